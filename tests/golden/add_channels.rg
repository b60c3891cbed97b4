model m {
    input x[3, 32, 32]
    f = x -> conv(64, 3) -> bn
    out = add(f, x) -> relu
}
