model m(i: int = 2) {
    input x[3, 8, 8]
    out = x -> conv(4, 3, padding=1) * 2 by i
}
