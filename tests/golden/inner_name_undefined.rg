block basic(c: int) {
    out = in -> conv1: conv(c, 3, padding=1) -> relu
}

model m {
    input x[3, 8, 8]
    y = x -> layer1: basic(4)
    out = layer1.conv -> relu
}
