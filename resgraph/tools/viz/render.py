"""Running Graphviz's `dot` (the real binary, through subprocess) to turn DOT into pictures."""

from __future__ import annotations

import shutil
import subprocess

from ...errors import ResgraphError

BINARY_FORMATS = ("svg", "png", "pdf")
INSTALL = "apt-get install graphviz (macOS: brew install graphviz), or write .dot, .mmd or .html instead"


class RenderError(ResgraphError):
    """Graphviz is missing or failed to draw a picture."""


def find_dot() -> str | None:
    """Path of the `dot` executable, or None where Graphviz is not installed."""
    return shutil.which("dot")


def render(dot_source: str, fmt: str, *, dpi: int = 96, timeout: float = 300) -> bytes:
    """Render DOT text to svg, png or pdf bytes with Graphviz."""
    if fmt not in BINARY_FORMATS:
        raise RenderError(f"cannot render '{fmt}' with Graphviz", hint=f"choose one of: {', '.join(BINARY_FORMATS)}")
    exe = find_dot()
    if exe is None:
        raise RenderError(f"drawing .{fmt} needs Graphviz's `dot`, which is not installed: {INSTALL}")
    args = [exe, f"-T{fmt}"] + ([f"-Gdpi={dpi}"] if fmt == "png" else [])
    try:
        done = subprocess.run(args, input=dot_source.encode(), capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took more than {timeout:.0f} s to draw the picture",
                          hint="fold blocks with --depth 1 or 2 to draw fewer boxes") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RenderError(
            f"Graphviz failed to draw the picture: {message[-1] if message else f'exit code {done.returncode}'}",
            hint="write the DOT source with -o picture.dot and report it as a bug",
        )
    return done.stdout


def svg_text(dot_source: str) -> str:
    """The SVG document for DOT text (needs Graphviz)."""
    return render(dot_source, "svg").decode()


def inline_svg(svg: str) -> str:
    """An SVG document without its XML prolog and doctype, ready to embed in HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
