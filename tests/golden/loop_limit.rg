model m {
    input x[3]
    for i in 0..1000000000 {
        h{i} = x -> relu
    }
    out = x
}
