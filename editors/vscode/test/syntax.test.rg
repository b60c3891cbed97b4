# SYNTAX TEST "source.rg" "every construct of the .rg language"
"""A file docstring
# <---- string.quoted.docstring.multi.rg
that spans two lines."""
#    ^^^^^^^^^^^^^^^^^^^ string.quoted.docstring.multi.rg

import "blocks.rg"
# <------ keyword.control.import.rg
#      ^^^^^^^^^^^ string.quoted.double.rg
import resnet_blocks  # a shipped spec, by name
# <------ keyword.control.import.rg
#                     ^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.rg

block basic(c: int, stride: int = 1, skip: tensor) {
# <----- storage.type.rg
#     ^^^^^ entity.name.function.rg
#           ^ variable.parameter.rg
#              ^^^ support.type.rg
#                   ^^^^^^ variable.parameter.rg
#                                 ^ constant.numeric.integer.rg
#                                    ^^^^ variable.parameter.rg
#                                          ^^^^^^ support.type.rg
    """Two 3x3 convolutions and a skip edge (He et al. 2015)."""
#   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ string.quoted.docstring.multi.rg
    f = in -> conv1: conv(c, 3, stride, bias=false) -> bn1: bn -> relu  # the residual branch
#       ^^ variable.language.input.rg
#          ^^ keyword.operator.chain.rg
#             ^^^^^ entity.name.tag.label.rg
#                  ^ punctuation.separator.label.rg
#                    ^^^^ support.function.op.rg
#                            ^ constant.numeric.integer.rg
#                                            ^^^^^ constant.language.rg
#                                                      ^^^ entity.name.tag.label.rg
#                                                           ^^ support.function.op.rg
#                                                                 ^^^^ support.function.op.rg
#                                                                       ^^^^^^^^^^^^^^^^^^^^^ comment.line.number-sign.rg
    s = if stride != 1 or in.channels != c { in -> downsample: [conv2d(c, 1) -> bn] } else { in }
#       ^^ keyword.control.rg
#                 ^^ keyword.operator.comparison.rg
#                      ^^ keyword.operator.logical.rg
#                         ^^^^^^^^^^^ variable.other.path.rg
#                                                  ^^^^^^^^^^ entity.name.tag.label.rg
#                                                               ^^^^^^ support.function.op.rg
#                                                                                     ^^^^ keyword.control.rg
#                                                                                            ^^ variable.language.input.rg
    out = add(f, s) -> relu
#         ^^^ support.function.merge.rg
}

block dense_block(n: int, k: int) {
    for i in 1..=n {
#   ^^^ keyword.control.rg
#       ^ variable.other.loop.rg
#         ^^ keyword.control.rg
#            ^ constant.numeric.integer.rg
#             ^^^ keyword.operator.range.rg
        h{i} = concat(in, h{1..i}) -> denselayer{i}: dense_layer(k)
#       ^^^^ variable.other.path.rg
#              ^^^^^^ support.function.merge.rg
#                         ^^^^^^^ variable.other.path.rg
#                                     ^^^^^^^^^^^^^ entity.name.tag.label.rg
#                                                    ^^^^^^^^^^^ entity.name.function.call.rg
    }
    out = concat(in, h{1..=n})
#                    ^^^^^^^^ variable.other.path.rg
}

model net(num_classes: int = 10, drop: float = 1e-6, name: str = "a \"quoted\" name") {
# <----- storage.type.rg
#     ^^^ entity.name.function.rg
#         ^^^^^^^^^^^ variable.parameter.rg
#                            ^^ constant.numeric.integer.rg
#                                      ^^^^^ support.type.rg
#                                              ^^^^ constant.numeric.float.rg
#                                                                   ^^ constant.character.escape.rg
#                                                                ^^^^^^^^^^^^^^^^^^^ string.quoted.double.rg
    option init = "kaiming_fan_out"
#   ^^^^^^ storage.type.rg
#          ^^^^ variable.other.option.rg
    input x[3, 32, 32]
#   ^^^^^ storage.type.rg
#         ^ variable.other.input.rg
#              ^^ constant.numeric.integer.rg
    let n = len([1, 2]) * 2 ** 3 // 2 + max(1, 2) % 3
#   ^^^ storage.type.rg
#           ^^^ support.function.builtin.rg
#                       ^ keyword.operator.arithmetic.rg
#                           ^^ keyword.operator.arithmetic.rg
#                                ^^ keyword.operator.arithmetic.rg
#                                       ^^^ support.function.builtin.rg
#                                                 ^ keyword.operator.arithmetic.rg
    y = x -> layer1: basic(16, skip=x) * n by j -> mlp.fc1: linear(0.5) -> cat(x) -> gamma: layerscale(1e-6)
#            ^^^^^^ entity.name.tag.label.rg
#                    ^^^^^ entity.name.function.call.rg
#                                      ^ keyword.operator.arithmetic.rg
#                                          ^^ keyword.control.rg
#                                                  ^^^^^^^ entity.name.tag.label.rg
#                                                           ^^^^^^ support.function.op.rg
#                                                                  ^^^ constant.numeric.float.rg
#                                                                          ^^^ support.function.merge.rg
#                                                                                    ^^^^^ entity.name.tag.label.rg
#                                                                                           ^^^^^^^^^^ support.function.op.rg
    out = y -> fc: fc(num_classes) if true and not none else identity
#              ^^ entity.name.tag.label.rg
#                  ^^ support.function.op.rg
#                                  ^^ keyword.control.rg
#                                     ^^^^ constant.language.rg
#                                          ^^^ keyword.operator.logical.rg
#                                              ^^^ keyword.operator.logical.rg
#                                                  ^^^^ constant.language.rg
#                                                       ^^^^ keyword.control.rg
#                                                            ^^^^^^^^ support.function.op.rg
}

model net2 = net(num_classes=100)
# <----- storage.type.rg
#     ^^^^ entity.name.function.rg
#            ^^^ entity.name.function.call.rg
