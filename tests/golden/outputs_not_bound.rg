block dual(c: int) {
    res = in -> conv(c, 1)
    dense = in -> conv(c, 3, padding=1)
    out = (res, dens)
}

model m {
    input x[3, 8, 8]
    r, d = x -> dual(4)
    out = r -> add(d)
}
