model m {
    input x[3, 32, 32]
    y = x -> relu
}
