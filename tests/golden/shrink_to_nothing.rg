model m {
    input x[3, 4, 4]
    out = x -> conv(8, 3, 2) -> maxpool(3, 2) -> maxpool(3, 2)
}
