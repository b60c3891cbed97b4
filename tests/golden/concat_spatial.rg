model m {
    input x[16, 32, 32]
    a = x -> conv(16, 3, 2)
    out = concat(x, a)
}
