block b(stride: int = 1) {
    out = if stride { in -> conv(8, 1, stride) } else { in }
}
model m {
    input x[3, 8, 8]
    out = x -> b(2)
}
