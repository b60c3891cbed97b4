block basic(c: int, stride: int = 1) {
    out = in -> conv(c, 3, stride)
}
model m {
    input x[3, 32, 32]
    out = x -> basic(8, strid=2)
}
