model m {
    input x[3, 8, 8]
    out = add(x)
}
