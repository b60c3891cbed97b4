model m(num_classes: int = 10) {
    input x[3, 32, 32]
    f = x -> conv(8, 3)
    v = f -> adaptive_avgpool(1) -> flatten -> linear(8) -> sigmoid
    out = mul(f, v)
}
