model m {
    input x[8, 8, 8]
    a = add(x, b) -> relu
    b = a -> conv(8, 3)
    out = b
}
