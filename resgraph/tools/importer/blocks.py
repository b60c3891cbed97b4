"""Blocks from module classes: the instances of one class that share their wiring become one
block, whose parameters are the values that differ between them.

The instances of a class are taken largest first: the largest is the template, and an instance
joins its block when its parts are the template's in the same order with some left out, each
missing part passing one of its operands on (a shortcut's `downsample`, a residual `add`). The
missing parts become conditionals, and every instance is written in the template's shape; the
instances whose texts then have one shape make the block, and the literals that differ between
them are its parameters (equal ones become one parameter). Classes are done innermost first, so
that a block's body calls the blocks below it with their arguments.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ...errors import UNKNOWN_SPAN, Span
from ...ir.naming import RESERVED_WORDS
from ...ir.ops import is_op
from ...syntax import ast
from .body import DONT_CARE, BodyWriter, Context, Optional_, gives, is_merge, literals, reads, shape
from .layers import Layer
from .regions import Region, class_key, item_path, items_of, relative

S = UNKNOWN_SPAN
MAX_CHOICES = 64  # ways of passing missing parts' operands on that are tried per instance
_CHANNELS = ("out_channels", "out_features")


@dataclass
class Block:
    """One block of the spec: its definition and the defaults its calls leave out."""

    name: str
    definition: ast.BlockDef
    defaults: dict[str, Any]  # parameter → default, for the parameters that have one
    order: list[str]  # the value parameters, in order


def make_blocks(root: Region, ctx: Context, taken: set[str]) -> list[Block]:
    """Every block of the spec, innermost first; fills ctx with each instance's block and args."""
    height: dict[Region, int] = {}
    for r in root.regions():
        height[r] = max([height[s] + (s.kind == "block") for s in r.parts if isinstance(s, Region)] or [0])
    classes: dict[tuple, list[Region]] = {}
    for r in root.regions():
        if r.kind == "block":
            classes.setdefault((height[r], class_key(r.cls)), []).append(r)
    blocks: dict[str, Block] = {}
    for (_, key), regions in sorted(classes.items(), key=lambda kv: kv[0][0]):
        cls = regions[0].cls
        base = block_name(cls)
        for k, (template, members, bodies) in enumerate(_variants(ctx, regions)):
            name = _fresh(base if k == 0 else f"{base}_{k + 1}", taken)
            blocks[name] = _block(ctx, name, cls, template, members, bodies, blocks)
    return list(blocks.values())


def block_name(cls: type) -> str:
    """Bottleneck → bottleneck, _DenseLayer → dense_layer, SEModule → se_module: words of three
    letters or more are split (ConvNeXtBlock → convnext_block)."""
    name = re.sub(r"(?<=[A-Za-z0-9])(?=[A-Z][a-z]{2})|(?<=[a-z0-9])(?=[A-Z]{2})", "_", cls.__name__)
    name = name.lower().strip("_")
    name = re.sub(r"[^a-z0-9_]", "_", name)
    return name if name and not name[0].isdigit() else f"block_{name}"


def _fresh(name: str, taken: set[str]) -> str:
    """A block name no op, block or word of the language has: `name`, else `name_block`, ..."""
    candidate, k = name, 1
    while candidate in taken or is_op(candidate) or candidate in RESERVED_WORDS:
        k += 1
        candidate = f"{name}_block" if k == 2 else f"{name}_block{k - 1}"
    taken.add(candidate)
    return candidate


# -- variants -----------------------------------------------------------------------------------------


def _variants(ctx: Context, regions: list[Region]):
    """(template, instances, bodies) for each block the instances of one class make: the
    instances that are the template with parts left out, written through it, and those whose
    own bodies have the template's shape (dense blocks of other lengths: loops of other bounds)."""
    own = {r: BodyWriter(ctx, r, input_names(len(r.inputs))).statements() for r in regions}
    remaining = sorted(regions, key=lambda r: -len(items_of(r)))
    while remaining:
        template = remaining[0]
        members: dict[Region, Any] = {}
        for r in remaining:
            found = align(template, r)
            alike = shape(own[r]) == shape(own[template])
            if found is not None and found[1] and alike:
                found = None  # as it is, it differs in literals only (a loop's bounds): no conditionals
            if found is not None or alike:
                members[r] = found
        while True:
            optional: dict[int, Optional_] = {}
            for r, found in list(members.items()):
                through = found[1] if found is not None else {}
                if any(optional.get(k, Optional_(t)).through != t for k, t in through.items()):
                    del members[r]  # the same part passes another operand on elsewhere
                    continue
                optional.update({k: Optional_(t) for k, t in through.items()})
            names = input_names(len(template.inputs))
            bodies = {r: own[r] if found is None else BodyWriter(ctx, template, names, found[0], optional).statements()
                      for r, found in members.items()}
            want = shape(bodies[template])
            kept = {r: members[r] for r in members if shape(bodies[r]) == want}
            if len(kept) == len(members):
                break
            members = kept
        yield template, list(members), bodies
        remaining = [r for r in remaining if r not in members]


def input_names(n: int) -> list[str]:
    """A block's inputs: `in`, then tensor parameters in2, in3, ..."""
    return ["in"] + [f"in{k}" for k in range(2, n + 1)]


def align(template: Region, r: Region) -> tuple[dict[int, Any], dict[int, int]] | None:
    """How instance `r` is the template with some parts left out: template part (by id) → r's
    part (None where r lacks it), and for each missing part the operand it passes on."""
    tparts, rparts = items_of(template), items_of(r)
    if len(template.inputs) != len(r.inputs) or len(template.outputs) != len(r.outputs):
        return None
    sources: dict[int, Any] = {}
    j = 0
    for t in tparts:
        if j < len(rparts) and _key(template, t) == _key(r, rparts[j]):
            sources[id(t)] = rparts[j]
            j += 1
        else:
            sources[id(t)] = None
    if j != len(rparts):
        return None
    missing = [t for t in tparts if sources[id(t)] is None]
    choices = []
    for t in missing:
        if len(gives(t)) != 1 or not reads(t):
            return None
        choices.append(range(len(reads(t))) if is_merge(t) else [0])
    for combo in itertools.islice(itertools.product(*choices), MAX_CHOICES):
        through = {id(t): k for t, k in zip(missing, combo)}
        if _same_wiring(template, tparts, r, rparts, sources, through):
            return sources, through
    return None


def _key(region: Region, p) -> tuple:
    label = relative(region.path, item_path(p))
    if isinstance(p, Layer):
        return ("layer", p.op, label)
    return (p.kind, class_key(p.cls), label, len(p.inputs), len(p.outputs))


def _same_wiring(template: Region, tparts, r: Region, rparts, sources, through) -> bool:
    """Whether each present part reads the same things in both, and both give the same outputs."""
    position = {id(p): k for k, p in enumerate(rparts)}
    rref = {u: ("in", k) for k, u in enumerate(r.inputs)}
    for p in rparts:
        for slot, o in enumerate(gives(p)):
            rref[o] = ("part", position[id(p)], slot)
    tref = {u: ("in", k) for k, u in enumerate(template.inputs)}
    for t in tparts:
        src = sources[id(t)]
        if src is None:
            passed = reads(t)[through[id(t)]]
            if passed not in tref:
                return False
            tref[gives(t)[0]] = tref[passed]
            continue
        if [tref.get(u) for u in reads(t)] != [rref.get(u) for u in reads(src)]:
            return False
        for slot, o in enumerate(gives(t)):
            tref[o] = ("part", position[id(src)], slot)
    return [tref.get(o) for o in template.outputs] == [rref.get(o) for o in r.outputs]


# -- parameters ---------------------------------------------------------------------------------------


def _block(ctx: Context, name: str, cls: type, template: Region, members: list[Region],
           bodies: dict[Region, list], blocks: dict[str, Block]) -> Block:
    """The block: the literals that differ between its instances become parameters."""
    slots = {r: literals(bodies[r]) for r in members}
    replace: dict[int, Any] = {}
    params: list[dict] = []  # name, role, values (one per member)
    for k, (lit, role) in enumerate(slots[template]):
        values = [slots[r][k][0].value for r in members]
        known = [v for v in values if v is not DONT_CARE]
        if all(_equal(v, known[0]) for v in known):
            replace[id(lit)] = ast.Literal(known[0], S)
            continue
        for prm in params:
            if prm["role"].startswith("flag:") == role.startswith("flag:") and _compatible(prm["values"], values):
                prm["values"] = [a if a is not DONT_CARE else b for a, b in zip(prm["values"], values)]
                break
        else:
            prm = {"role": role, "values": values}
            params.append(prm)
        prm.setdefault("literals", []).append(id(lit))
    inputs = input_names(len(template.inputs))
    taken = set(inputs) | {"out"} | RESERVED_WORDS | _value_names(bodies[template])
    defaults, declared = {}, []
    for prm in params:
        prm["name"] = _param_name(prm["role"].rpartition(".")[2], taken)
        for lit in prm["literals"]:
            replace[lit] = ast.Name(prm["name"], S)
        known = [v for v in prm["values"] if v is not DONT_CARE]
        common, times = Counter(map(_hashable, known)).most_common(1)[0]
        # a default where calls agree on one (stride 1), or where some call has no value for it
        if (times > 1 and not _required(prm["role"], blocks)) or len(known) < len(prm["values"]):
            prm["default"] = common
            defaults[prm["name"]] = _unhashable(common)
    ordered = [p for p in params if "default" not in p] + [p for p in params if "default" in p]
    for prm in ordered:
        default = ast.Literal(defaults[prm["name"]], S) if prm["name"] in defaults else None
        declared.append(ast.Param(prm["name"], _type_of(prm["values"]), default, S))
    for i, r in enumerate(members):
        ctx.block_of[r] = name
        ctx.args_of[r] = {p["name"]: (defaults.get(p["name"]) if p["values"][i] is DONT_CARE else p["values"][i])
                          for p in ordered}
    tensors = [ast.Param(n, "tensor", None, S) for n in inputs[1:]]
    body = _replaced(bodies[template], replace)
    doc = class_key(cls) if "<locals>" not in cls.__qualname__ else cls.__name__  # a GraphModule's: its name
    definition = ast.BlockDef(name, tensors + declared, body, doc, S)
    return Block(name, definition, defaults, [p["name"] for p in ordered])


def _required(role: str, blocks: dict[str, Block]) -> bool:
    """A parameter for a size of a layer (its channels), or for one of a block's: every call gives it."""
    block, _, param = role.rpartition(".")
    if block in blocks:
        return param not in blocks[block].defaults
    return role in _CHANNELS


def _equal(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _compatible(a: list, b: list) -> bool:
    return all(x is DONT_CARE or y is DONT_CARE or _equal(x, y) for x, y in zip(a, b))


def _hashable(v: Any) -> Any:
    return ("list", tuple(v)) if isinstance(v, list) else v


def _unhashable(v: Any) -> Any:
    return list(v[1]) if isinstance(v, tuple) and len(v) == 2 and v[0] == "list" else v


def _param_name(role: str, taken: set[str]) -> str:
    if role.startswith("flag:"):
        base = role[5:]
    elif role in _CHANNELS:
        base = "c"
    else:
        base = role or "p"
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", base):
        base = "p"
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}{k}"
    taken.add(name)
    return name


def _type_of(values: list) -> str | None:
    known = [v for v in values if v is not DONT_CARE]
    if all(isinstance(v, bool) for v in known):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in known):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in known):
        return "float"
    if all(isinstance(v, str) for v in known):
        return "str"
    if all(isinstance(v, list) for v in known):
        return "list"
    return None


def _value_names(body: list) -> set[str]:
    """The names a body binds, loop variables included (a parameter must not shadow them)."""
    names = set()
    for st in body:
        if isinstance(st, ast.Bind):
            names |= {t.id for t in st.targets if isinstance(t, ast.Name)}
        elif isinstance(st, ast.For):
            names |= {st.var} | _value_names(st.body)
    return names


def _replaced(node: Any, replace: dict[int, Any]) -> Any:
    """A copy of a syntax tree with some literals (by id) replaced."""
    if isinstance(node, ast.Literal):
        return replace.get(id(node), node)
    if isinstance(node, Span):
        return node
    if isinstance(node, list):
        return [_replaced(x, replace) for x in node]
    if isinstance(node, tuple):
        return tuple(_replaced(x, replace) for x in node)
    if hasattr(node, "__dataclass_fields__") and not isinstance(node, type):
        return type(node)(**{f: _replaced(getattr(node, f), replace) for f in node.__dataclass_fields__})
    return node
