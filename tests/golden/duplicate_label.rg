model m {
    input x[3, 32, 32]
    out = x -> conv1: conv(8, 3) -> conv1: conv(8, 3)
}
