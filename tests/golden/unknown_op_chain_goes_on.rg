model m {
    input x[3, 32, 32]
    # foo is unknown: what conv's attributes say alone (groups must divide its 8 channels) is still
    # reported, and so is a misspelt keyword; what needs foo's output type is not
    h = x -> foo(3) -> conv(8, 3, groups=5) -> bn -> conv(8, 3, strde=2) -> linear(10)
    out = h -> relu
}
