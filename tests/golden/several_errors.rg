block basic(c: int) {
    out = in -> conv(c, 3) -> bn -> relu
}
model m {
    input x[3, 32, 32]
    a = x -> basic(16) -> maxpol(2)
    b = x -> basic(c=8, depth=2)
    out = concat(a, b, cc)
}
