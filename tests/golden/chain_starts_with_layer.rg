model m {
    input x[3, 32, 32]
    out = relu -> conv(8, 3)
}
