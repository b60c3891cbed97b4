block dual(c: int) {
    res = in -> conv(c, 1)
    dense = in -> conv(c, 3, padding=1)
    out = (res, dense)
}

model m {
    input x[3, 8, 8]
    out = x -> dual(4) -> relu
}
