model m {
    input x[3]
    "not a docstring"
    out = x -> linear(2)
}
