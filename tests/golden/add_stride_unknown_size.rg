model m {
    input x[16, _, _]
    f = x -> conv(16, 3, 2) -> bn
    out = add(f, x)
}
