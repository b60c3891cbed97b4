"""What a picture shows: the IR folded into items (layers, chains, blocks, runs of blocks) and clusters.

Drawing every layer of densenet264 helps nobody. A `View` is the graph as a person reads it:

* block instances nested deeper than `depth` become one item each (name, block call, output shape);
* consecutive instances of the same block with the same arguments fold into one item marked × N;
* plain chains (conv → bn → relu, a merge and the activation after it) become one item;
* the scopes still open (groups, repeats, expanded blocks) become clusters.

Edges between items keep the kind of the IR edge they stand for: `seq`, `add` (skip), `concat`
(dense) or any kind a registered merge declares, so the skip and dense edges stay visible at every
depth. Every format (DOT, Mermaid, HTML, matrix) draws a View, so all of them agree on what is folded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import networkx as nx

from ...errors import UsageError
from ...ir import Graph
from .labels import call_text, shape_text
from .style import edge_styles


@dataclass
class Item:
    """One box of the picture: the IR nodes it stands for and what its label says."""

    kind: str  # "input" | "layer" | "merge" | "chain" | "block" | "repeat"
    members: list[str]  # IR node names, in topological order
    name: str  # the node name, block instance path, or path range of a run ("layer1.1–2")
    rows: list[str]  # op lines for layers and chains; the block call for blocks and runs
    shape: str  # output shape, e.g. "256×56×56"
    cluster: str | None  # the scope path of the cluster it sits in (None: top level)
    block: tuple[str, str] | None = None  # (block name, argument key) for folded blocks
    count: int = 1  # how many block instances a "repeat" item stands for
    merges: tuple[str, ...] = ()  # edge kinds of the merges inside a folded block, weakest first
    title: str | None = None  # the scope a layer or chain stands for alone ("denselayer1: dense_layer(k=32)")
    id: str = ""  # stable identifier in the output ("n0", "n1", ...)
    ops: list[str] = field(default_factory=list)  # the op of each row, for layers, merges and chains

    @property
    def short_name(self) -> str:
        """The name relative to the cluster it is drawn in (the cluster label says the rest)."""
        prefix = (self.cluster or "") + "."
        if not self.cluster or not self.name.startswith(prefix) or self.name[len(prefix)].isdigit():
            return self.name  # "layer1.0" says more than "0"
        return self.name[len(prefix):]

    @property
    def head_op(self) -> str | None:
        """The op of the first layer: what decides an item's shape (a merge draws as a merge)."""
        return self.ops[0] if self.kind in ("layer", "merge", "chain", "input") else None


@dataclass
class Cluster:
    path: str
    label: str  # relative to the parent cluster: "denseblock1: dense_block(n=6, k=32)"
    parent: str | None


@dataclass
class View:
    name: str
    items: list[Item]
    edges: list[tuple[int, int, str]]  # (source item, target item, kind), sorted
    clusters: dict[str, Cluster] = field(default_factory=dict)
    depth: int | None = None
    expanded: tuple[str, ...] = ()  # block instances drawn open although at or below `depth`

    def describe(self) -> str:
        """What was folded, for a picture's caption."""
        if self.depth is None:
            return "every layer"
        text = f"blocks folded at depth {self.depth}"
        return text + (f"; {', '.join(self.expanded)} drawn open" if self.expanded else "")

    def spine(self) -> list[int]:
        """Items on the path through the most layers: the trunk a drawing keeps straight.

        Counting layers, not boxes, puts the convolutions on the trunk and the 1x1 projection of a
        shortcut beside it.
        """
        best: dict[int, tuple[int, int | None]] = {}
        preds: dict[int, list[int]] = {}
        for a, b, _ in self.edges:
            preds.setdefault(b, []).append(a)
        for i in range(len(self.items)):  # items are in topological order, but for loops of boxes
            own = len(self.items[i].members)
            best[i] = max(((best[a][0] + own, a) for a in preds.get(i, []) if a < i), default=(own, None))
        end = max(best, key=lambda i: (best[i][0], i), default=None)
        path: list[int] = []
        while end is not None:
            path.append(end)
            end = best[end][1]
        return path[::-1]

    def children(self, cluster: str | None) -> list[tuple[str, int | str]]:
        """("item", index) and ("cluster", path) directly inside `cluster`, in drawing order.

        Sub-clusters sit where their first item sits, so every format lays the graph out in the
        same, topological order.
        """
        items = [("item", i) for i, it in enumerate(self.items) if it.cluster == cluster]
        subs = [("cluster", p) for p, c in self.clusters.items() if c.parent == cluster]
        return sorted(items + subs, key=lambda e: (self._first(e), e[0]))

    def _first(self, entry: tuple[str, int | str]) -> int:
        what, ref = entry
        if what == "item":
            return ref  # type: ignore[return-value]
        return min(i for i, it in enumerate(self.items) if it.cluster and (it.cluster + ".").startswith(f"{ref}."))


def ancestors(graph: Graph, name: str) -> list[str]:
    """The scope paths enclosing a node, outermost first."""
    parts = name.split(".")
    return [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in graph.scopes]


def block_depth(graph: Graph, path: str) -> int:
    """How many block instances enclose this scope, itself included (`layer1.0` in ResNet: 1)."""
    parts = path.split(".")
    prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sum(1 for p in prefixes if p in graph.scopes and graph.scopes[p].kind == "block")


def max_depth(graph: Graph) -> int:
    """The deepest block nesting in the graph (0 when it has no blocks)."""
    return max((block_depth(graph, p) for p, s in graph.scopes.items() if s.kind == "block"), default=0)


AUTO_LIMIT = 50  # most boxes the automatic folding lets a picture hold


def auto_folding(graph: Graph) -> tuple[int | None, tuple[str, ...]]:
    """The depth and open blocks that `depth="auto"` draws.

    The deepest depth whose picture holds at most AUTO_LIMIT boxes; then, so that the skip and
    dense edges folded away are still seen once, the first instance of each folded block that
    hides merges is drawn open while the picture stays within the limit.
    """
    depth: int | None = None
    if len(build_view(graph).items) > AUTO_LIMIT:
        depth = next((d for d in range(max_depth(graph), 0, -1)
                      if len(build_view(graph, d).items) <= AUTO_LIMIT), 1)
    if depth is None:
        return None, ()
    expand: tuple[str, ...] = ()
    seen: set[str] = set()
    for item in build_view(graph, depth).items:
        if item.kind in ("block", "repeat") and item.merges and item.block[0] not in seen:
            seen.add(item.block[0])
            path = _owner(graph, item.members[0], depth)
            if len(build_view(graph, depth, expand=(*expand, path)).items) <= AUTO_LIMIT:
                expand += (path,)
    return depth, expand


def _owner(graph: Graph, name: str, depth: int) -> str:
    """The block instance at nesting level `depth` that holds node `name`."""
    blocks = [p for p in ancestors(graph, name) if graph.scopes[p].kind == "block"]
    return blocks[depth - 1]


def build_view(
    graph: Graph,
    depth: int | None | str = None,
    *,
    expand: tuple[str, ...] = (),
    chains: bool = True,
    repeats: bool = True,
    dissolve: bool = True,
) -> View:
    """Fold `graph` for drawing: block instances at nesting level `depth` become single items.

    `depth="auto"` picks the folding (see `auto_folding`); block paths in `expand` are drawn open
    (their own sub-blocks folded) although they sit at or below `depth`. `dissolve=False` keeps
    the cluster around a single box (the viewer folds every scope, however small).
    """
    if depth == "auto":
        depth, expand = auto_folding(graph)
    if depth is not None and (not isinstance(depth, int) or depth < 1):
        raise UsageError(f"depth must be at least 1, got {depth}", hint="--depth 1 draws top-level blocks as single boxes; leave it out to draw every layer")
    order = graph.topo_order()
    shown = telling_args(graph)
    key_of: dict[str, str] = {}
    items: dict[str, Item] = {}
    for name in order:
        scopes = ancestors(graph, name)
        owner, level = None, 0
        for path in scopes:
            if graph.scopes[path].kind == "block":
                level += 1
                if depth is not None and level >= depth and path not in expand:
                    owner = path
                    break
        if owner is None:
            key_of[name] = name
            items[name] = _layer(graph, name, scopes[-1] if scopes else None)
        else:
            key_of[name] = owner
            if owner in items:
                items[owner].members.append(name)
            else:
                outer = scopes[: scopes.index(owner)]
                items[owner] = _block(graph, owner, outer[-1] if outer else None, name, shown)
    styles = edge_styles()
    by_strength = {kind: (kind != "seq", s.strength, kind) for kind, s in styles.items()}
    for item in items.values():
        if item.kind == "block":
            item.shape = ", ".join(shape_text(graph.type_of(n)) for n in exits(graph, item.members))
            inside = {graph.opdef(n).edge for n in item.members} - {"seq"}
            item.merges = tuple(sorted(inside, key=by_strength.__getitem__))
    keys = list(items)
    index = {k: i for i, k in enumerate(keys)}
    kinds: dict[tuple[int, int], set[str]] = {}
    for u, v, kind, _ in graph.edges():
        a, b = index[key_of[u]], index[key_of[v]]
        if a != b:
            kinds.setdefault((a, b), set()).add(kind)
    out = [items[k] for k in keys]
    # a merge inside a folded block is the block's business: the edge into the box is plain; a pair
    # joined by several kinds draws as the weakest (seq, then an add's skip before a concat's dense edge)
    edges = {(a, b): "seq" if out[b].kind == "block" else min(ks, key=by_strength.__getitem__)
             for (a, b), ks in kinds.items()}
    out, edges = _topological(out, edges)
    if repeats:
        out, edges = _merge_runs(out, edges, _same_block, _join_blocks)
    if chains:
        out, edges = _merge_runs(out, edges, _chainable, _join_layers)
    for i, item in enumerate(out):
        item.id = f"n{i}"
    clusters = _clusters(graph, out, shown)
    if dissolve:
        clusters = _dissolve_singletons(out, clusters)
    edge_list = sorted((a, b, k) for (a, b), k in edges.items())
    return View(graph.name, out, edge_list, clusters, depth, tuple(p for p in expand if p in graph.scopes))


def _topological(items: list[Item], edges: dict[tuple[int, int], str]) -> tuple[list[Item], dict[tuple[int, int], str]]:
    """Items in an order where every edge points forward, the layers' own order where it can.

    A folded block sits where its first layer does, but a second entry (a `tensor` argument bound
    below it) may be computed later; and a value read from inside an instance (`dec.reduce`) and fed
    back in makes a loop of boxes, drawn in the order its layers come.
    """
    folded = nx.DiGraph()
    folded.add_nodes_from(range(len(items)))
    folded.add_edges_from(edges)
    loops = nx.condensation(folded)
    first = {c: min(loops.nodes[c]["members"]) for c in loops}
    order = [i for c in nx.lexicographical_topological_sort(loops, key=first.__getitem__)
             for i in sorted(loops.nodes[c]["members"])]
    if order == list(range(len(items))):
        return items, edges
    renum = {old: new for new, old in enumerate(order)}
    return [items[i] for i in order], {(renum[a], renum[b]): k for (a, b), k in edges.items()}


def _layer(graph: Graph, name: str, cluster: str | None) -> Item:
    opdef = graph.opdef(name)
    kind = "input" if name in graph.inputs else "merge" if opdef.edge != "seq" else "layer"
    rows = [opdef.label(graph.attrs(name))]
    return Item(kind, [name], name, rows, shape_text(graph.type_of(name)), cluster, ops=[opdef.name])


def telling_args(graph: Graph) -> dict[str, dict[str, set]]:
    """Per block, the arguments worth printing: those that differ between its instances.

    `bottleneck(planes=128, stride=2)` says what matters; `groups=1, base_width=64` on every box
    of a ResNet-50 does not. A block whose instances all agree shows every argument.
    """
    seen: dict[str, dict[str, set]] = {}
    count: dict[str, int] = {}
    for scope in graph.scopes.values():
        if scope.kind == "block":
            count[scope.block or ""] = count.get(scope.block or "", 0) + 1
            seen.setdefault(scope.block or "", {})
            for k, v in scope.args.items():
                seen.setdefault(scope.block or "", {}).setdefault(k, set()).add(repr(v))
    shown = {}
    for b, args in seen.items():
        varying = {k for k, vs in args.items() if len(vs) > 1}
        # all alike: one instance shows every argument, many show the first (the rest is noise)
        shown[b] = varying or (set(args) if count[b] == 1 else set(list(args)[:1]))
    return shown


def telling_call(graph: Graph, path: str, shown: dict[str, set] | None = None) -> str:
    """The block call of a scope with only its telling arguments: `bottleneck(planes=64, stride=2)`."""
    scope = graph.scopes[path]
    keep = (shown or telling_args(graph)).get(scope.block or "", set(scope.args))
    return call_text(scope.block or "block", {k: v for k, v in scope.args.items() if k in keep})


def _block(graph: Graph, path: str, cluster: str | None, first: str, shown: dict[str, set]) -> Item:
    scope = graph.scopes[path]
    call = telling_call(graph, path, shown)
    key = (scope.block or "", repr(sorted(scope.args.items())))
    return Item("block", [first], path, [call], "?", cluster, block=key)


def exits(graph: Graph, members: list[str]) -> list[str]:
    """The members whose values leave the folded block: its `out`, or each of `out = (a, b)`."""
    inside = set(members)
    found = [name for name in members
             if name == graph.output or any(v not in inside for v in graph.nx.successors(name))]
    return found or members[-1:]


def _merge_runs(
    items: list[Item],
    edges: dict[tuple[int, int], str],
    joinable: Callable[[Item, Item, str], bool],
    join: Callable[[Item, Item], None],
) -> tuple[list[Item], dict[tuple[int, int], str]]:
    """Fold A into B's run wherever A's only successor is B, B's only predecessor is A, and they fit."""
    succ: dict[int, list[int]] = {}
    pred: dict[int, list[int]] = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        pred.setdefault(b, []).append(a)
    head = list(range(len(items)))  # the run each item ends up in
    for a in range(len(items)):
        nxt = succ.get(a, [])
        if len(nxt) != 1 or len(pred.get(nxt[0], [])) != 1:
            continue
        b = nxt[0]
        if b < a:
            continue  # an edge back, in a loop of boxes
        if items[head[a]].cluster == items[b].cluster and joinable(items[head[a]], items[b], edges[(a, b)]):
            join(items[head[a]], items[b])
            head[b] = head[a]
    keep = sorted(set(head))
    renum = {old: new for new, old in enumerate(keep)}
    merged: dict[tuple[int, int], str] = {}
    for (a, b), kind in edges.items():
        ha, hb = renum[head[a]], renum[head[b]]
        if ha != hb:
            merged[(ha, hb)] = kind
    return [items[i] for i in keep], merged


def _same_block(run: Item, nxt: Item, kind: str) -> bool:
    return run.kind in ("block", "repeat") and nxt.kind == "block" and run.block == nxt.block


def _join_blocks(run: Item, nxt: Item) -> None:
    run.kind = "repeat"
    run.count += 1
    run.members += nxt.members
    run.shape = nxt.shape
    run.name = path_range(run.name.split("–")[0], nxt.name)
    run.rows = [run.rows[0].split(" × ")[0] + f" × {run.count}"]


def path_range(first: str, last: str) -> str:
    """`layer1.1` and `layer1.3` → `layer1.1–3`."""
    a, b = first.rsplit(".", 1), last.rsplit(".", 1)
    if len(a) == 2 and len(b) == 2 and a[0] == b[0]:
        return f"{first}–{b[1]}"
    return f"{first}–{last}"


def _chainable(run: Item, nxt: Item, kind: str) -> bool:
    return kind == "seq" and run.kind in ("layer", "merge", "chain") and nxt.kind == "layer"


def _join_layers(run: Item, nxt: Item) -> None:
    run.kind = "chain"
    run.members += nxt.members
    run.rows.append(nxt.rows[0])
    run.ops.append(nxt.ops[0])
    run.shape = nxt.shape
    run.name = f"{run.name.split(' … ')[0]} … {nxt.name.rsplit('.', 1)[-1]}"


def _dissolve_singletons(items: list[Item], clusters: dict[str, Cluster]) -> dict[str, Cluster]:
    """A cluster around a single box is noise: the box takes the cluster's label as its title."""
    changed = True
    while changed:
        changed = False
        for path in reversed(list(clusters)):
            held = [it for it in items if it.cluster == path]
            if len(held) == 1 and held[0].kind not in ("block", "repeat") and not any(
                c.parent == path for c in clusters.values()
            ):
                item, cluster = held[0], clusters.pop(path)
                item.title = cluster.label + (f" › {item.title}" if item.title else "")
                item.cluster = cluster.parent  # the label is relative to the parent: still right there
                changed = True
    return clusters


def _clusters(graph: Graph, items: list[Item], shown: dict[str, set]) -> dict[str, Cluster]:
    """Every scope some item sits in, with its enclosing scopes, outermost first."""
    paths: set[str] = set()
    for item in items:
        if item.cluster is not None:
            paths.add(item.cluster)
            paths.update(ancestors(graph, item.cluster + ".x"))
    out: dict[str, Cluster] = {}
    for path in sorted(paths, key=lambda p: (p.count("."), p)):
        scope = graph.scopes[path]
        parents = ancestors(graph, path + ".x")[:-1]
        parent = parents[-1] if parents else None
        label = path[len(parent) + 1:] if parent else path
        if label[0].isdigit():
            label = path  # "layer1.0" says more than "0"
        if scope.kind == "block":
            label += ": " + telling_call(graph, path, shown)
        out[path] = Cluster(path, label, parent)
    return out
