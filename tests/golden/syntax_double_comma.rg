model m {
    input x[3, 32, 32]
    out = x -> conv(64,, 3)
}
