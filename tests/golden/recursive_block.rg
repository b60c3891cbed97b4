block tower(c: int) {
    out = in -> conv(c, 3) -> tower(c)
}
model m {
    input x[3, 32, 32]
    out = x -> tower(8)
}
