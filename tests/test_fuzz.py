"""Hostile input: whatever the text, the front end answers with a ResgraphError, never a traceback."""

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import resgraph
from resgraph.errors import ResgraphError

ROOT = Path(__file__).resolve().parents[1]


def shipped_specs() -> list[Path]:
    """Every shipped .rg file, globbed at test time (the zoo grows while we work)."""
    return sorted([*(ROOT / "resgraph" / "zoo").glob("*.rg"), *(ROOT / "examples").glob("*.rg")])


def load_quietly(text: str, path: str) -> None:
    try:
        resgraph.loads(text, path=path)
    except ResgraphError as exc:
        assert str(exc)  # renders without raising


def mutations(text: str, rng: random.Random, n: int) -> list[str]:
    lines = text.splitlines(keepends=True)
    out = []
    for _ in range(n):
        kind = rng.randrange(5)
        if kind == 0:  # truncate
            out.append(text[: rng.randrange(len(text) + 1)])
        elif kind == 1 and lines:  # delete a line
            i = rng.randrange(len(lines))
            out.append("".join(lines[:i] + lines[i + 1:]))
        elif kind == 2:  # flip a number
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                i = rng.choice(digits)
                out.append(text[:i] + rng.choice(["0", "9", "99999", "-1", "1.5"]) + text[i + 1:])
        elif kind == 3:  # random bytes
            i = rng.randrange(len(text) + 1)
            junk = "".join(chr(rng.randrange(1, 0x250)) for _ in range(rng.randrange(1, 6)))
            out.append(text[:i] + junk + text[i:])
        else:  # swap two lines
            if len(lines) > 1:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines2 = list(lines)
                lines2[i], lines2[j] = lines2[j], lines2[i]
                out.append("".join(lines2))
    return out


def test_mutated_shipped_specs_fail_cleanly():
    specs = shipped_specs()
    assert len(specs) >= 2
    rng = random.Random(1234)
    for spec in specs:
        text = spec.read_text()
        for i, mutant in enumerate(mutations(text, rng, 12)):
            load_quietly(mutant, f"{spec.stem}-mutant{i}.rg")


RG_TOKENS = st.sampled_from([
    "model", "block", "m", "x", "in", "out", "input", "let", "for", "if", "else", "import", "->", "=",
    ":", ",", "(", ")", "[", "]", "{", "}", "*", "..", "..=", "h{i}", "h{0..i}", "conv", "relu", "add",
    "concat", "bn", "linear", "1", "3", "64", "0", "-", "**", "true", "\n", " ", '"s"', ".channels", "#c",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RG_TOKENS, max_size=40))
def test_token_soup_fails_cleanly(tokens):
    load_quietly(" ".join(tokens), "soup.rg")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_fails_cleanly(text):
    load_quietly(text, "text.rg")


def test_deep_nesting_is_a_limit_error():
    for text in ["model m { input x[3]\n out = x -> linear(" + "(" * 500 + "1" + ")" * 500 + ") }",
                 "model m { input x[3]\n let a = " + " + ".join(["1"] * 3000) + "\n out = x }",
                 "model m { input x[3]\n let a = " + "- " * 3000 + "1\n out = x }"]:
        load_quietly(text, "deep.rg")


def test_fmt_of_mutated_specs_is_idempotent_and_keeps_the_outcome():
    """Whatever parses formats to a fixed point that loads to the same graph (or the same error)."""
    from resgraph.syntax.fmt import format_text
    from resgraph.syntax.printer import structural_diff

    rng = random.Random(99)
    for spec in shipped_specs():
        for i, mutant in enumerate(mutations(spec.read_text(), rng, 6)):
            try:
                once = format_text(mutant, f"m{i}.rg")
            except ResgraphError:
                continue
            assert format_text(once, f"m{i}.rg") == once
            outcomes = []
            for text in (mutant, once):
                try:
                    outcomes.append(resgraph.loads(text, path=str(spec)))
                except ResgraphError as exc:
                    outcomes.append(type(exc).__name__)
            if isinstance(outcomes[0], str) or isinstance(outcomes[1], str):
                assert isinstance(outcomes[0], str) == isinstance(outcomes[1], str), (spec.name, mutant)
            else:
                assert structural_diff(*outcomes) == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RG_TOKENS, max_size=40))
def test_fmt_of_token_soup_is_clean_and_idempotent(tokens):
    from resgraph.syntax.fmt import format_text

    try:
        once = format_text(" ".join(tokens))
    except ResgraphError:
        return
    assert format_text(once) == once
