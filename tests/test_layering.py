"""The house rules as a test: every import in resgraph/ points down a floor, and no import circles.

The floors are written once, as the table under "## Floors" in docs/architecture.md: a row names a
room (a package or a module), its floor, and the rooms of the same floor it may also import. This
test reads that table, builds the import graph of resgraph/ with `ast` (module-level and
function-level imports, relative and absolute) and refuses
- a cycle between modules, at any level of nesting;
- an import from a room to a room on a higher floor;
- an import between two rooms of one floor, unless the table names it, one way only;
- a module that no room holds, and a room that names no file.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "resgraph"
DOC = ROOT / "docs" / "architecture.md"


def floors() -> dict[str, tuple[int, list[str]]]:
    """Room path (relative to the repo, `/`-ended for packages) → (floor, same-floor rooms it may import)."""
    text = DOC.read_text().split("## Floors", 1)[1]
    rooms = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or not cells[0].isdigit():
            if rooms and not line.startswith("|"):
                break  # the table ended
            continue
        (room,) = re.findall(r"`([^`]+)`", cells[1])
        rooms[room] = (int(cells[0]), re.findall(r"`([^`]+)`", cells[2]))
    return rooms


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The resgraph modules `name` imports anywhere in its body (inside functions too)."""
    is_package = path.name == "__init__.py"
    found = set()

    def resolve(dotted: str) -> str:
        while dotted not in known:  # `from .x import Name` names module x, not Name
            dotted = dotted.rpartition(".")[0]
        return dotted

    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {resolve(a.name) for a in node.names if a.name.split(".")[0] == "resgraph"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif (node.module or "").split(".")[0] == "resgraph":
                target = node.module
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else resolve(target))
    found.discard(name)
    return found


def import_graph() -> nx.DiGraph:
    known = modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in known.items():
        graph.add_edges_from((name, target) for target in imports(name, path, known))
    return graph


def room_of(module: str, rooms) -> str | None:
    """The room holding a module: the longest room path that is its file or a folder above it."""
    path = str(modules()[module].relative_to(ROOT))
    holders = [r for r in rooms if path == r or (r.endswith("/") and path.startswith(r))]
    return max(holders, key=len, default=None)


def test_the_floor_table_is_well_formed():
    rooms = floors()
    assert rooms, "docs/architecture.md has no floor table under '## Floors'"
    for room, (floor, also) in rooms.items():
        assert (ROOT / room).exists(), f"the floor table names {room}, which does not exist"
        for other in also:
            assert other in rooms, f"{room} may import {other}, which is not a room"
            assert rooms[other][0] == floor, f"{room} lists {other} of another floor as a same-floor import"
            assert room not in rooms[other][1], f"{room} and {other} may import each other: make it one way"


def test_every_module_has_a_room():
    rooms = floors()
    homeless = [m for m in modules() if room_of(m, rooms) is None]
    assert not homeless, f"modules on no floor (add them to docs/architecture.md): {homeless}"


def test_no_import_cycle():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_imports_point_down():
    rooms = floors()
    wrong = []
    for src, dst in sorted(import_graph().edges):
        a, b = room_of(src, rooms), room_of(dst, rooms)
        (fa, also), (fb, _) = rooms[a], rooms[b]
        if a == b or fa > fb or (fa == fb and b in also):
            continue
        wrong.append(f"{src} (floor {fa}, {a}) imports {dst} (floor {fb}, {b})")
    assert not wrong, "imports that do not point down:\n" + "\n".join(wrong)
