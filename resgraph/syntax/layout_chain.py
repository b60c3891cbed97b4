"""Chains of layers → .rg lines: one line where it fits, else broken at `->` and in argument lists.

The middle layer of the canonical layout (`layout.py`): a chain too long for WIDTH columns breaks at
`->` with the arrows aligned under the first one, argument lists fill greedily aligned after the
`(`, and groups and conditionals take several lines.
"""

from __future__ import annotations

from . import ast
from .layout_expr import POSTFIX, Expressions

WIDTH = 100
STEP = 4


class Chains(Expressions):
    """Lays out chains, elements and argument lists within `self.width` columns."""

    def __init__(self, width: int = WIDTH):
        super().__init__()
        self.width = width
        # The elements `chain` laid out over several lines, each with the line (of the outermost
        # chain being laid out) it ends on: where a comment written after it goes back.
        self.ends: list[tuple[ast.Element, int]] = []

    def placed(self, mark: int, offset: int) -> None:
        """The lines recorded since `mark` went into the enclosing lines from line `offset` on."""
        self.ends[mark:] = [(el, k + offset) for el, k in self.ends[mark:]]

    def measured(self, el: ast.Element, col: int, indent: int) -> int:
        """The width of an element's first line laid out at `col`, recording nothing."""
        mark = len(self.ends)
        width = len(self.element(el, col, indent)[0])
        del self.ends[mark:]
        return width

    def args(self, call: ast.Call) -> list[str]:
        return [self.expr(a) for a in call.args] + [f"{k.name}={self.expr(k.value)}" for k in call.kwargs]

    def flat(self, x) -> str:
        """An element, item or chain on one line."""
        if isinstance(x, ast.Chain):
            return " -> ".join(self.flat(el) for el in x.elements)
        if isinstance(x, ast.Element):
            label = self.name(x.label) + ": " if x.label is not None else ""
            return label + self.flat(x.item) + self.repeat(x)
        if isinstance(x, ast.Call):
            return x.name + ("(" + ", ".join(self.args(x)) + ")" if x.parens else "")
        if isinstance(x, ast.TemplateRef):
            return self.template(x.template)
        if isinstance(x, ast.Group):
            return "[" + self.flat(x.chain) + "]"
        parts = [f"if {self.expr(c)} {{ {self.flat(ch)} }}" for c, ch in x.branches]
        text = " else ".join(parts)
        return text + (f" else {{ {self.flat(x.orelse)} }}" if x.orelse is not None else "")

    def chain(self, chain: ast.Chain, col: int, indent: int, one_per_line: bool = False) -> list[str]:
        """A chain whose first line continues at column `col`; later lines are whole lines.

        A chain too long for one line breaks at `->`, the arrows aligned under the first one;
        groups and repetitions (the stages of a network) then take a line of their own.
        """
        if not one_per_line and col + len(self.flat(chain)) <= self.width:
            return [self.flat(chain)]
        first, *rest = chain.elements
        lines = self.element(first, col, indent)
        self.ends.append((first, len(lines) - 1))
        arrow = col if one_per_line or len(lines) > 1 else col + len(lines[0]) + 1
        if arrow > indent + 6 * STEP:  # a long head: arrows at a fixed indent instead of under it
            arrow = indent + 2 * STEP
        alone = one_per_line or len(lines) > 1 or _stage(first)  # the next element starts a line
        head_only = not alone and isinstance(first.item, (ast.Call, ast.TemplateRef)) and first.label is None
        start = indent  # where the current line starts: nested groups indent from there
        for el in rest:
            text, end = self.flat(el), len(lines[-1]) + (col if len(lines) == 1 else 0)
            fits = end + 4 + len(text) <= self.width
            if not alone and (not _stage(el) or head_only) and fits:
                lines[-1] += " -> " + text
                more = [text]
            elif not alone and (not _stage(el) or head_only) and arrow + 3 + len(text) > self.width \
                    and _breakable(el) and end + 4 + self.measured(el, end + 4, indent) <= self.width:
                mark = len(self.ends)
                more = self.element(el, end + 4, start)
                self.placed(mark, len(lines) - 1)
                lines[-1] += " -> " + more[0]
                lines.extend(more[1:])
            else:
                mark = len(self.ends)
                more, start = self.element(el, arrow + 3, arrow), arrow
                self.placed(mark, len(lines))
                lines.append(" " * arrow + "-> " + more[0])
                lines.extend(more[1:])
            self.ends.append((el, len(lines) - 1))
            alone = one_per_line or len(more) > 1 or _stage(el)
            head_only = False
        return lines

    def element(self, el: ast.Element, col: int, indent: int) -> list[str]:
        flat = self.flat(el)
        if col + len(flat) <= self.width or not _breakable(el):
            return [flat]
        label = self.name(el.label) + ": " if el.label is not None else ""
        item, at = el.item, col + len(label)
        if isinstance(item, ast.Call):
            lines = self.wrapped(item.name + "(", self.args(item), ")", at)
        elif isinstance(item, ast.Group):
            mark = len(self.ends)
            inner = self.chain(item.chain, indent + STEP, indent + STEP, one_per_line=True)
            self.placed(mark, 1)
            lines = ["[", *[" " * (indent + STEP) + inner[0], *inner[1:]], " " * indent + "]"]
        else:
            lines = self.chain_if(item, at)
        lines[0] = label + lines[0]
        lines[-1] += self.repeat(el)
        return lines

    def repeat(self, el: ast.Element) -> str:
        """` * n`, or ` * n by i` with the repetition index; empty without a count."""
        if el.count is None:
            return ""
        return f" * {self.expr(el.count, POSTFIX)}" + (f" by {el.index}" if el.index is not None else "")

    def chain_if(self, item: ast.ChainIf, col: int) -> list[str]:
        pad, body = " " * col, col + STEP
        lines = []
        for k, (cond, ch) in enumerate(item.branches):
            head = f"if {self.expr(cond)} {{"
            if k == 0:
                lines.append(head)
            else:
                lines.append(pad + "} else " + head)
            mark = len(self.ends)
            inner = self.chain(ch, body, body)
            self.placed(mark, len(lines))
            lines += [" " * body + inner[0], *inner[1:]]
        if item.orelse is not None:
            short = pad + "} else { " + self.flat(item.orelse) + " }"
            if len(short) <= self.width:
                return lines + [short]
            mark = len(self.ends)
            inner = self.chain(item.orelse, body, body)
            self.placed(mark, len(lines) + 1)
            lines += [pad + "} else {", " " * body + inner[0], *inner[1:]]
        return lines + [pad + "}"]

    def wrapped(self, head: str, items: list[str], close: str, col: int) -> list[str]:
        """`head item, item, ...close`, filled greedily, continuation lines aligned after `head`."""
        if not items:
            return [head + close]
        lines, at = [head + items[0] + ("," if len(items) > 1 else close)], col + len(head)
        for k, item in enumerate(items[1:], 1):
            piece = item + ("," if k < len(items) - 1 else close)
            if (col if len(lines) == 1 else 0) + len(lines[-1]) + 1 + len(piece) > self.width:
                lines.append(" " * at + piece)
            else:
                lines[-1] += " " + piece
        return lines


def _stage(el: ast.Element) -> bool:
    return el.count is not None or isinstance(el.item, ast.Group)


def _breakable(el: ast.Element) -> bool:
    item = el.item
    return (isinstance(item, (ast.Group, ast.ChainIf))
            or (isinstance(item, ast.Call) and item.parens and bool(item.args or item.kwargs)))
