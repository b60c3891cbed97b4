model m {
    input x[3, 32, 32]
    # foo is unknown: conv's misspelt keyword is still reported, the shape errors after foo are not
    h = x -> foo(3) -> conv(8, 3, strde=2) -> bn -> linear(10)
    out = h -> relu
}
