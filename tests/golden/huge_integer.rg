model m {
    input x[3]
    out = x -> linear(2 ** 100000)
}
