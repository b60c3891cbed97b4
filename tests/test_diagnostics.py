"""Golden diagnostics: the exact text a user sees for each kind of mistake (tests/golden/*.rg).

Regenerate after a deliberate wording change with RESGRAPH_UPDATE_GOLDEN=1 and review the diff.
"""

import os
from pathlib import Path

import pytest

import resgraph
from resgraph.errors import ResgraphError

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.rg"))


def render(spec: Path) -> str:
    """Errors, or the warnings of a valid spec, as printed by `resgraph check`."""
    try:
        graph = resgraph.loads(spec.read_text(), path=spec.name)
    except ResgraphError as exc:
        return exc.render() + "\n"
    return "".join(d.render() + "\n" for d in graph.warnings)


def test_there_are_enough_golden_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("spec", CASES, ids=[p.stem for p in CASES])
def test_diagnostic_text(spec):
    got = render(spec)
    expected = spec.with_suffix(".txt")
    if os.environ.get("RESGRAPH_UPDATE_GOLDEN"):
        expected.write_text(got)
    assert got.strip(), "every golden case reports something"
    assert got == expected.read_text()
