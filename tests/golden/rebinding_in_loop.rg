model m {
    input x[3, 8, 8]
    for i in 0..3 {
        y = x -> conv(4, 1)
    }
    out = y
}
