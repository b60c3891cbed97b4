model m {
    input x[3]
    extra = x -> linear(5)
    out = x -> linear(2)
}
