model m {
    input x[3, 32, 32]
    first = x -> conv(3, 3)
    out = add(frist, x)
}
