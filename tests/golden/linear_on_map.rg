model m(num_classes: int = 10) {
    input x[3, 32, 32]
    out = x -> conv(8, 3) -> linear(num_classes)
}
