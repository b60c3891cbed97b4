block up(skip: tensor, c: int) {
    out = in -> concat(skip) -> conv(c, 3, padding=1)
}

model m {
    input x[3, 8, 8]
    out = x -> up(64, 8)
}
