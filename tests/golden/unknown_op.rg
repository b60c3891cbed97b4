model m {
    input x[3, 32, 32]
    out = x -> convv(8, 3)
}
