"""`resgraph fmt` keeps a comment written after an element of a chain over several lines on that
element's line (MobileNetV2's `-> inverted_residual(16, 1, 1)  # t=1`), where the element still
ends a line; idempotent, and the graph is unchanged."""

import resgraph
from resgraph.syntax.fmt import format_text
from resgraph.syntax.unparse import structural_diff

BLOCK = """block inverted_residual(c: int, s: int, t: int) {
    out = in -> conv(c, 1, s)
}
"""

SOURCE = BLOCK + """
model m {
    input x[3, 32, 32]
    f = x -> features: [conv(32, 3, 2) -> inverted_residual(16, 1, 1)  # t=1
                        -> inverted_residual(24, 2, 6) -> inverted_residual(24, 1, 6)  # two
                        -> inverted_residual(32, 2, 6) -> inverted_residual(32, 1, 6)
                        -> inverted_residual(32, 1, 6)]  # the last
    out = f -> relu  # end
}
"""

FORMATTED = BLOCK + """
model m {
    input x[3, 32, 32]
    f = x -> features: [
        conv(32, 3, 2)
        -> inverted_residual(16, 1, 1)  # t=1
        -> inverted_residual(24, 2, 6)
        -> inverted_residual(24, 1, 6)  # two
        -> inverted_residual(32, 2, 6)
        -> inverted_residual(32, 1, 6)
        -> inverted_residual(32, 1, 6)
    ]  # the last
    out = f -> relu  # end
}
"""


def formats_to(source: str, expected: str) -> None:
    out = format_text(source)
    assert out == expected
    assert format_text(out) == out
    assert structural_diff(resgraph.loads(source), resgraph.loads(out)) == []


def test_a_comment_stays_on_its_elements_line_in_a_group_over_several_lines():
    formats_to(SOURCE, FORMATTED)


def test_comments_in_a_broken_chain_and_a_conditional_stay_where_they_were():
    text = BLOCK + """
model m(stride: int = 2) {
    input x[3, 32, 32]
    y = x -> inverted_residual(16, 1, 1) -> inverted_residual(24, 2, 6)  # a
          -> inverted_residual(24, 1, 6) -> inverted_residual(32, 2, 6)  # b
          -> inverted_residual(32, 1, 6) -> inverted_residual(32, 1, 6)
    s = if stride != 1 {
            y -> down: [
                conv(64, 1, stride, bias=false)  # projection
                -> bn
                -> relu  # c
                -> conv(64, 3, bias=false)
                -> bn
                -> relu
                -> conv(64, 3, bias=false)
                -> bn
            ]  # d
        } else { y }  # identity
    out = s  # e
}
"""
    formats_to(text, text)


def test_a_comment_whose_element_no_longer_ends_a_line_goes_above_the_statement_or_ends_it():
    source = BLOCK + """
model m {
    input x[3, 32, 32]
    y = x -> [conv(8, 3)  # joined
              -> relu]  # the end
    out = y
}
"""
    formats_to(source, BLOCK + """
model m {
    input x[3, 32, 32]
    # joined
    y = x -> [conv(8, 3) -> relu]  # the end
    out = y
}
""")
