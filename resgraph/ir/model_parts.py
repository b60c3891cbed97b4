"""Where a classifier's parts are: its head, its classifier, its feature stages (timm's model API).

The back end splits a compiled module along these parts (forward_features, forward_head,
reset_classifier, feature_info); they are read from the checked graph alone, by a convention a
spec can override with options (docs/python-api.md, "timm's model API"):

- The **head** begins at the first layer whose value, and everything computed from it, no longer
  follows the input's size: the global pool, whose type has no scale. It must read one value, the
  **features** (forward_features returns it). `option head = "avgpool"` names the first layer (or
  a block, whose one entry layer is taken).
- The **classifier** is the head's last weighted layer (linear or conv); `option classifier`
  names it (an `identity` there is a classifier reset to 0 classes).
- The **feature stages** are, for each reduction of the input's size, the last value at that
  reduction among the body's top-level parts, where a part whose layers reach two or more new
  reductions (DenseNet's `features`) is looked into. `option features = [...]` lists them.

A model whose output follows its input's size (FCN, U-Net) has no head by the convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple
from weakref import WeakKeyDictionary

import networkx as nx

from ..errors import UsageError, did_you_mean
from .graph import Graph


class Stage(NamedTuple):
    """One feature stage: the value it gives, the name it is listed under, its channels and reduction."""

    value: str
    module: str
    channels: int
    reduction: int


@dataclass(frozen=True)
class ModelParts:
    features: str  # the value the head reads: what forward_features returns
    head: tuple[str, ...]  # the head's layers in topological order, its entry first
    classifier: str | None  # the layer reset_classifier replaces; None where the head has none
    pre_logits: str  # the value the classifier reads (the output where there is no classifier)
    stages: tuple[Stage, ...]
    num_classes: int  # the classifier's outputs; 0 for none or a reset (identity) one
    num_features: int  # the features' channels
    head_hidden_size: int  # the pre-logits' channels


class PartsProblem(NamedTuple):
    option: str | None  # the option it is about; None where the convention finds no head
    message: str
    hint: str


_HEAD_HINT = ('timm\'s model API is for classifiers; if one layer begins this model\'s head, name it: '
              'option head = "<layer>"')


def model_parts(graph: Graph, use: str = "timm's model API") -> ModelParts:
    """The parts of a checked classifier graph; for any other graph, a UsageError saying why `use`
    (the method asked for) cannot be had."""
    if graph not in _cache:
        _cache[graph] = analyse(graph)
    parts, problems = _cache[graph]
    if problems:
        first = problems[0]
        span = graph.span(graph.output) if first.option is None and graph.output in graph else None
        raise UsageError(f"{use}: {first.message}", span, hint=first.hint)
    return parts


_cache: WeakKeyDictionary[Graph, tuple[ModelParts | None, list[PartsProblem]]] = WeakKeyDictionary()


def option_problems(graph: Graph) -> list[PartsProblem]:
    """The problems of the options `head`, `classifier` and `features` (the checker reports them)."""
    return [p for p in analyse(graph)[1] if p.option is not None]


def analyse(graph: Graph) -> tuple[ModelParts | None, list[PartsProblem]]:
    live = nx.ancestors(graph.nx, graph.output) | {graph.output}
    order = [n for n in graph.topo_order() if n in live]
    head, problems = _head(graph, live, order)
    if head is None:
        return None, problems
    features = graph.inputs_of(head[0])[0]
    classifier, problems = _classifier(graph, head)
    if classifier is None or graph.op(classifier) == "identity":
        num_classes = 0
    else:
        num_classes = graph.type_of(classifier).channels
    pre_logits = graph.inputs_of(classifier)[0] if classifier is not None else graph.output
    in_head = set(head)
    body = [n for n in order if n not in in_head and graph.op(n) != "input"]
    stages, stage_problems = _stages(graph, body, features)
    parts = ModelParts(features, head, classifier, pre_logits, stages, num_classes,
                       graph.type_of(features).channels, graph.type_of(pre_logits).channels)
    return parts, problems + stage_problems


# -- the head ------------------------------------------------------------------------------------


def _sized(graph: Graph, name: str) -> bool:
    """Whether the value is a map whose size follows the input's (its type has a scale)."""
    t = graph.type_of(name)
    return t is not None and t.is_map and t.scale is not None


def _head(graph: Graph, live: set[str], order: list[str]) -> tuple[tuple[str, ...] | None, list[PartsProblem]]:
    named = graph.options.get("head")
    if named is not None:
        entry, problem = _entry(graph, named, live)
        if problem:
            return None, [problem]
        members = {entry} | (nx.descendants(graph.nx, entry) & live)
    else:
        members = set()  # every value from which nothing follows the input's size any more
        for n in reversed(order):
            if graph.op(n) != "input" and not _sized(graph, n) and all(v in members for v in graph.nx.successors(n) if v in live):
                members.add(n)
        entries = [n for n in order if n in members and any(u not in members for u in graph.inputs_of(n))]
        if not members or not entries:
            return None, [PartsProblem(None, f"model '{graph.name}' has no classifier head: its output "
                                       f"{graph.type_of(graph.output)} follows the input's size (no layer pools "
                                       "the spatial dimensions away)", _HEAD_HINT)]
        if len(entries) > 1 or len(graph.inputs_of(entries[0])) != 1:
            return None, [PartsProblem(None, f"model '{graph.name}' has no one classifier head: the layers "
                                       f"after the last map read more than one value ({', '.join(entries)})",
                                       _HEAD_HINT)]
        entry = entries[0]
    features = graph.inputs_of(entry)[0]
    head = tuple(n for n in order if n in members)
    for n in head:
        outside = [u for u in graph.inputs_of(n) if u not in members and u != features]
        if outside:
            return None, [PartsProblem("head" if named else None,
                                       f"model '{graph.name}': the head beginning at '{entry}' reads '{features}', "
                                       f"and '{n}' in it also reads '{outside[0]}' from before it; a head reads one value",
                                       "begin the head where one value flows into it: option head = \"<layer>\"")]
    if graph.op(features) == "input":
        return None, [PartsProblem("head" if named else None,
                                   f"model '{graph.name}': the head beginning at '{entry}' reads the input itself, "
                                   "leaving no body to take features from", _HEAD_HINT)]
    return head, []


def _entry(graph: Graph, named: str, live: set[str]) -> tuple[str | None, PartsProblem | None]:
    """The head's first layer from `option head`: a layer, or a block with one layer reading from outside it."""
    inside = [n for n in graph.topo_order() if n.startswith(named + ".")] if named not in graph else [named]
    if not inside:
        hint = did_you_mean(named, [*graph.nx.nodes, *graph.scopes])
        return None, PartsProblem("head", f"model '{graph.name}': `option head` names '{named}', which is no layer "
                                  "or block of the model", hint or "name the layer the head begins at, e.g. the global pool")
    entries = [n for n in inside if any(not u.startswith(named + ".") for u in graph.inputs_of(n))]
    entry = entries[0] if len(entries) == 1 else None
    if entry is None or len(graph.inputs_of(entry)) != 1:
        return None, PartsProblem("head", f"model '{graph.name}': the head '{named}' must begin at a layer reading one "
                                  "value", "name the layer the head begins at, e.g. the global pool")
    if entry not in live:
        return None, PartsProblem("head", f"model '{graph.name}': the head '{named}' does not feed the output",
                                  "name a layer the output is computed from")
    return entry, None


def _classifier(graph: Graph, head: tuple[str, ...]) -> tuple[str | None, list[PartsProblem]]:
    named = graph.options.get("classifier")
    if named is None:
        weighted = [n for n in head if graph.opdef(n).weighted]
        return (weighted[-1] if weighted else None), []
    if named not in head:
        where = "is not in the head" if named in graph else "is no layer of the model"
        return None, [PartsProblem("classifier", f"model '{graph.name}': `option classifier` names '{named}', "
                                   f"which {where}", did_you_mean(named, head) or f"the head's layers: {', '.join(head)}")]
    if not (graph.opdef(named).weighted or graph.op(named) == "identity"):
        weighted = [n for n in head if graph.opdef(n).weighted]
        return None, [PartsProblem("classifier", f"model '{graph.name}': the classifier '{named}' must be a weighted "
                                   f"layer (linear, conv) or identity, not {graph.op(named)}",
                                   f"the head's weighted layers: {', '.join(weighted) or 'none'}")]
    return named, []


# -- the feature stages ---------------------------------------------------------------------------


def _reduction(graph: Graph, name: str) -> int | None:
    """How many times smaller than the input a map is, where that is one whole number for both sides."""
    t = graph.type_of(name)
    if t is None or not t.is_map or not t.scale or len(set(t.scale)) != 1 or not isinstance(t.scale[0], int):
        return None
    return t.scale[0]


def _stages(graph: Graph, body: list[str], features: str) -> tuple[tuple[Stage, ...], list[PartsProblem]]:
    named = graph.options.get("features")
    if named is not None:
        return _named_stages(graph, body, features, named)
    rank = {n: i for i, n in enumerate(body)}
    last: dict[int, tuple[str, str]] = {}  # reduction → (value, name) of the last part there
    for value, name in _parts(graph, "", body, set(body), features):
        r = _reduction(graph, value) if value is not None else None
        if r is not None:
            last[r] = (value, name)
    chosen = sorted(last.values(), key=lambda vn: rank[vn[0]])
    return tuple(Stage(v, name, graph.type_of(v).channels, _reduction(graph, v)) for v, name in chosen), []


def _parts(graph: Graph, namespace: str, nodes: list[str], body: set[str], features: str):
    """(value, name) of each part of `namespace` in order: a layer, or a block whose layers reach at
    most one new reduction (value None where it gives several values); other blocks are looked into."""
    cut = len(namespace) + 1 if namespace else 0
    children: dict[str, list[str]] = {}
    for n in nodes:
        children.setdefault(n[:cut] + n[cut:].split(".")[0], []).append(n)
    for child, members in children.items():
        if members == [child]:
            yield child, child
            continue
        inside = set(members)
        reads = {u for n in members for u in graph.inputs_of(n) if u not in inside}
        new = {_reduction(graph, n) for n in members} - {_reduction(graph, u) for u in reads} - {None}
        if len(new) >= 2:
            yield from _parts(graph, child, members, body, features)
            continue
        outputs = [n for n in members if n == features or any(v not in inside for v in graph.nx.successors(n) if v in body)]
        yield (outputs[0] if len(outputs) == 1 else None), child


def _named_stages(graph: Graph, body: list[str], features: str,
                  named: list[str]) -> tuple[tuple[Stage, ...], list[PartsProblem]]:
    stages, problems = [], []
    inside = set(body)
    for name in named:
        value, why = _value_of(graph, name, inside, features)
        r = _reduction(graph, value) if value is not None else None
        if value is not None and r is None:
            why = f"its value {graph.type_of(value)} is not a map smaller than the input by one whole factor"
        if why:
            hint = did_you_mean(name, [*body, *graph.scopes]) or "name layers or blocks before the head"
            problems.append(PartsProblem("features", f"model '{graph.name}': feature stage '{name}' in `option "
                                         f"features`: {why}", hint))
            continue
        stages.append(Stage(value, name, graph.type_of(value).channels, r))
    return tuple(stages), problems


def _value_of(graph: Graph, name: str, body: set[str], features: str) -> tuple[str | None, str | None]:
    """The value a layer or a block gives, if it is in the body; else why not."""
    if name in graph:
        if graph.op(name) == "input":
            return None, "it is the model's input"
        return (name, None) if name in body else (None, "it is not before the head")
    members = {n for n in body if n.startswith(name + ".")}
    if not members:
        known = name in graph.scopes or any(n.startswith(name + ".") for n in graph)
        return None, "it is not before the head" if known else "it is no layer or block of the model"
    outputs = [n for n in members if n == features or any(v not in members for v in graph.nx.successors(n))]
    if len(outputs) != 1:
        return None, f"the block gives {len(outputs)} values ({', '.join(outputs)}); name one of them"
    return outputs[0], None


# -- gradient checkpointing ------------------------------------------------------------------------


def checkpoint_units(graph: Graph) -> list[str]:
    """The block instances worth one checkpoint each: those repeated beside an instance of the same
    block (the bottlenecks of a ResNet stage, the dense blocks of a DenseNet), outermost first-found."""
    siblings: dict[tuple[str, str], list[str]] = {}
    for path, scope in graph.scopes.items():
        if scope.kind == "block":
            siblings.setdefault((path.rpartition(".")[0], scope.block), []).append(path)
    repeated = sorted((p for group in siblings.values() if len(group) > 1 for p in group), key=lambda p: p.count("."))
    units: list[str] = []
    for path in repeated:
        if not any(path.startswith(u + ".") for u in units):
            units.append(path)
    order = {p: i for i, p in enumerate(graph.scopes)}
    return sorted(units, key=order.__getitem__)


__all__ = ["ModelParts", "PartsProblem", "Stage", "analyse", "checkpoint_units", "model_parts", "option_problems"]
