model m {
    input x[3, 32, 32]
    out = x -> conv("wide", 3)
}
