"""The front end's entry points: a path, a zoo name or text → a checked `Graph`.

Reads files, resolves imports (relative paths and zoo specs, cycles refused), picks the model,
elaborates it and runs the static checks. Every failure is a `ResgraphError`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import zoo
from ..errors import (
    Diagnostic, ImportError_, LimitError, NameError_, ResgraphError, Source, Span, SyntaxError_,
    UsageError, did_you_mean,
)
from ..ir import Graph, ops
from ..ir.verify import check
from . import ast
from .elaborate import Elaborator, Unit
from .parser import MAX_CHARS, parse, parse_expr
from .values import SHOWN, Evaluator, Env


@dataclass(frozen=True)
class Provenance:
    """What a loaded graph was built from, kept on `Graph.provenance` so that `to_rg` can write its
    blocks and loops again. It lives here, not in the IR, because its parts are syntax."""

    model: ast.ModelDef  # the model as elaborated (a derived model resolved to the body it uses)
    unit: Unit  # the file that model was found in, with the blocks it can see
    input_shape: tuple | None  # the input shape the caller asked for, if any


def load_graph(source: str | Path, *, model: str | None = None, input_shape=None,
               params: dict[str, Any] | None = None, confine: Path | None = None) -> Graph:
    """A checked Graph from a `.rg` path, `path.rg:model`, or a zoo model name (`"resnet50"`).

    `confine` (a resolved directory) is for saved models: see `load_unit`.
    """
    path, model = (Path(source), model) if confine is not None else resolve(source, model)
    unit = load_unit(path, confine=confine)
    return build(unit, pick_model(unit, model, path), params or {}, input_shape)


def loads_graph(text: str, *, model: str | None = None, path: str = "<string>", input_shape=None,
                params: dict[str, Any] | None = None) -> Graph:
    """A checked Graph from `.rg` text; its imports resolve relative to the current directory."""
    unit = load_unit(None, Source(path, text))
    return build(unit, pick_model(unit, model, Path(path)), params or {}, input_shape)


def parse_literal(text: str) -> Any:
    """A command-line value (`-p layers=[2,2,2,2]`): an int, float, bool, string or list.

    A bare word is taken as a string, so `-p init=kaiming_fan_out` needs no shell quoting.
    """
    stripped = text.strip()
    if stripped.isidentifier() and stripped not in ("true", "false", "none"):
        return stripped
    try:
        return Evaluator(Env())(parse_expr(stripped))
    except ResgraphError as exc:
        shown = text if len(text) <= SHOWN else text[:SHOWN] + "…"  # as values.show cuts a value
        raise UsageError(f"'{shown}' is not a value: {exc.message}",
                         hint="write ints, floats, true/false, \"strings\" or lists like [2, 2, 2, 2]") from None


def model_names(source: str | Path) -> tuple[Path, list[str]]:
    """The models a `resgraph check` of this source covers: one if named, else all in the file."""
    path, model = resolve(source, None)
    if model is not None:
        return path, [model]
    return path, list(load_unit(path).file.models)


# -- sources ---------------------------------------------------------------------------------------


def resolve(source: str | Path, model: str | None) -> tuple[Path, str | None]:
    """A path and model name from a path, `path.rg:model` or a zoo model name."""
    text = str(source)
    if not isinstance(source, Path) and ":" in text:
        head, _, tail = text.rpartition(":")
        if head.endswith(".rg") and tail.isidentifier():
            if model is not None and model != tail:
                raise UsageError(f"'{text}' names model '{tail}' but model='{model}' was given")
            text, model = head, tail
    path = Path(text)
    if path.is_file():
        return path, model
    if os.path.lexists(path):
        read_file(path, kind=UsageError)  # says what it is instead of "no such file"
    if not isinstance(source, Path) and text.isidentifier():
        found = zoo.find_model(text)
        if found is not None:
            return found, model or text
        raise UsageError(f"no .rg file or zoo model called '{text}'",
                         hint=did_you_mean(text, zoo.model_names()) or "see `resgraph zoo` for the shipped models")
    raise UsageError(f"no such file: {text}")


# No spec is longer: the parser refuses more than MAX_CHARS characters, at most 4 bytes each.
MAX_BYTES = 4 * MAX_CHARS


def read_file(path: Path, span: Span | None = None, *, kind: type[ResgraphError] = ImportError_,
              follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file, or `kind` located at `span` (else at the file itself).

    FIFOs, devices and directories are refused before opening (a FIFO blocks its reader); the
    open is non-blocking and the file rechecked, in case another was swapped in meanwhile. A file
    over MAX_BYTES is refused from its size, unread (a stray 10 GB file would fill the memory).
    """
    check_regular(path, span, kind=kind, follow_symlinks=follow_symlinks)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    with _os_errors(path, span, kind):
        with os.fdopen(os.open(path, flags), "rb") as f:
            info = os.fstat(f.fileno())
            _refuse_special(info.st_mode, path, span, kind)
            data = b"" if info.st_size > MAX_BYTES else f.read(MAX_BYTES + 1)  # + 1: it grew since
    if len(data) > MAX_BYTES or info.st_size > MAX_BYTES:
        size = max(len(data), info.st_size)
        raise LimitError(f"{_subject(path, span)} has {size:,} bytes, more than a spec can hold ({MAX_BYTES:,})",
                         span or Span.file(str(path)), hint="is this the file you meant? a spec is a .rg text file")
    return data


def check_regular(path: Path, span: Span | None = None, *, kind: type[ResgraphError] = ImportError_,
                  follow_symlinks: bool = True) -> None:
    """Raise `kind` unless `path` is a regular file; only stats it, so nothing can block."""
    with _os_errors(path, span, kind):
        _refuse_special(os.stat(path, follow_symlinks=follow_symlinks).st_mode, path, span, kind)


def _subject(path: Path, span: Span | None) -> str:
    """How a message names the file: by name when located elsewhere (an import), else 'the file'."""
    return str(path) if span is not None else "the file"


@contextlib.contextmanager
def _os_errors(path: Path, span: Span | None, kind: type[ResgraphError]) -> Iterator[None]:
    try:
        yield
    except ValueError:  # a NUL character in the name
        raise kind(f"{str(path)!r} is not a file name (it holds a NUL character)", span or Span.file(str(path))) from None
    except OSError as exc:
        raise kind(f"cannot read {_subject(path, span)}: {exc.strerror or exc}", span or Span.file(str(path))) from None


_SPECIAL = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISLNK, "a symbolic link"),
            (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _refuse_special(mode: int, path: Path, span: Span | None, kind: type[ResgraphError]) -> None:
    if not stat.S_ISREG(mode):
        what = next((what for test, what in _SPECIAL if test(mode)), "a special file")
        raise kind(f"{_subject(path, span)} is {what}, not a regular file", span or Span.file(str(path)),
                   hint="name a regular file")


def write_file(path: Path, data: str | bytes) -> None:
    """Write through a temporary sibling renamed over `path`: a failure leaves neither a half-written
    file nor the temporary one. The temporary is made with os.open, so the file gets the umask's mode.

    It lives here, beside read_file, as the one file writer the tools, the CLI and the benchmark
    (floors 4 and 6) share; an OSError is a UsageError located at the file.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write a file in {path.parent}: {exc.strerror or exc}", Span.file(str(path)),
                         hint="choose a path in a directory you can write") from None


def unwritable(folder: Path) -> str | None:
    """Why files cannot be made in `folder` (to be created with its parents if missing), or None:
    checked before long work whose result would then be lost."""
    folder = Path(os.path.abspath(folder))
    existing = next(p for p in (folder, *folder.parents) if os.path.lexists(p))
    if not existing.is_dir():
        return f"{existing} is a file, not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"the directory {existing} is read-only"
    return None


def read_source(path: Path, span: Span | None = None, *, follow_symlinks: bool = True) -> Source:
    """A spec file as text. Text that is not UTF-8 or holds NUL bytes is refused without quoting it."""
    data = read_file(path, span, follow_symlinks=follow_symlinks)
    subject = _subject(path, span)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SyntaxError_(f"{subject} is not UTF-8 text", span or Span.file(str(path)),
                           hint="a spec is a UTF-8 .rg text file") from None
    if "\0" in text:
        raise SyntaxError_(f"{subject} is not a text file (it holds NUL bytes)", span or Span.file(str(path)),
                           hint="a spec is a UTF-8 .rg text file") from None
    return Source(str(path), text)


class Reader:
    """How `load_unit` reads and parses the files a spec imports: from the disk, each parse anew.
    The language server's subclass reads the editor's unsaved text first and reuses parses."""

    def read(self, path: Path, span: Span | None, follow_symlinks: bool) -> Source:
        return read_source(path, span, follow_symlinks=follow_symlinks)

    def parse(self, source: Source) -> ast.File:
        return parse(source)


def load_unit(path: Path | None, source: Source | None = None, *, confine: Path | None = None,
              reader: Reader | None = None) -> Unit:
    """Parse a file and, recursively, everything it imports (each file once).

    With `confine` (a saved model's resolved directory; the caller checks `path` with `outside`)
    every path it imports must be a regular file inside that directory, reached without symbolic
    links: a saved model is data from elsewhere and must not read (and echo) other files.
    """
    reader = reader or Reader()
    source = source or reader.read(path, None, confine is None)
    base = path.resolve().parent if path is not None else Path.cwd()
    key = path.resolve() if path is not None else None
    return _load(source, base, key, {}, [], confine, reader)


def outside(root: Path, path: Path) -> str | None:
    """Why `path` is not a file inside the resolved directory `root`, or None if it is.

    `..` is refused outright: the system applies it after following the link before it
    (`sub/../x` leaves `root` when `sub` is a link), so no lexical check can judge it.
    """
    if ".." in path.parts:
        return f"{path} reaches outside with '..'"
    lexical = Path(os.path.normpath(root / path))
    if lexical == root or not lexical.is_relative_to(root):
        return f"{path} is outside {root}"
    try:
        if (root / path).resolve() != lexical:
            return f"{path} goes through a symbolic link"
    except (OSError, RuntimeError):  # a symlink loop
        return f"{path} goes through a symbolic link"
    return None


def _load(source: Source, base: Path, key: Path | None, done: dict[Path, Unit], stack: list[Path],
          confine: Path | None, reader: Reader) -> Unit:
    file = reader.parse(source)
    unit = Unit(source, file, sources=[source])
    if key is not None:
        stack = [*stack, key]
    for imp in file.imports:
        target = import_path(imp, base, confine)
        if target in stack:
            cycle = " -> ".join(p.name for p in [*stack[stack.index(target):], target])
            raise ImportError_(f"import cycle: {cycle}", imp.span, hint="move the shared blocks into a third file")
        dep = done.get(target)
        if dep is None:
            source = reader.read(target, imp.span, confine is None)
            dep = _load(source, target.parent, target, done, stack, confine, reader)
            done[target] = dep
        for s in dep.sources:
            if all(s is not t for t in unit.sources):
                unit.sources.append(s)
        _merge(unit.blocks, dep.blocks, imp, "block")
        _merge(unit.models, dep.models, imp, "model")
    for name, bdef in file.blocks.items():
        if ops.is_op(name):
            raise NameError_(f"block '{name}' has the name of a built-in op", bdef.span,
                             hint="rename the block")
        unit.blocks[name] = (bdef, unit)
    for name, mdef in file.models.items():
        unit.models[name] = (mdef, unit)
    return unit


def import_path(imp: ast.Import, base: Path, confine: Path | None = None) -> Path:
    """The file an import in a file of directory `base` names (ImportError_ if there is none)."""
    if imp.is_path:
        if "\0" in imp.target:
            raise ImportError_("an import path cannot hold a NUL character", imp.span)
        if not imp.target.endswith(".rg"):
            raise ImportError_(f"'{imp.target}' is not a .rg file; an import names a spec", imp.span,
                               hint='import a .rg file (import "blocks.rg") or a shipped spec by name (import resnet)')
        if confine is not None:
            why = outside(confine, base / imp.target)
            if why:
                raise ImportError_(f"a saved model imports only files inside its directory: {why}", imp.span)
        try:
            target = (base / imp.target).resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
            raise ImportError_(f"cannot resolve '{imp.target}': {exc}", imp.span) from None
        if not os.path.lexists(target):
            raise ImportError_(f"cannot find '{imp.target}' (looked in {base})", imp.span)
        return target
    found = zoo.module_path(imp.target)
    if found is None:
        names = [p.stem for p in zoo.spec_files()]
        raise ImportError_(f"no zoo spec called '{imp.target}'", imp.span,
                           hint=did_you_mean(imp.target, names) or f"shipped specs: {', '.join(names) or 'none'}")
    return found.resolve()


def _merge(into: dict, new: dict, imp: ast.Import, kind: str) -> None:
    for name, entry in new.items():
        old = into.get(name)
        if old is not None and old[0] is not entry[0]:
            raise NameError_(f"{kind} '{name}' is defined by two imports", imp.span,
                             hint="import only one of the files, or rename one definition")
        into[name] = entry


def pick_model(unit: Unit, model: str | None, path: Path) -> tuple[ast.ModelDef, Unit]:
    own = unit.file.models
    here = Span(unit.source, 0, 0)  # the whole file: these errors have no line
    if model is not None:
        if model in unit.models:
            return unit.models[model]
        raise NameError_(f"this file has no model '{model}'", here,
                         hint=did_you_mean(model, unit.models) or _listing(unit))
    if path.stem in own:
        return unit.models[path.stem]
    if len(own) == 1:
        return unit.models[next(iter(own))]
    if not own:
        raise UsageError("this file defines no model", here, hint="add one: model net { input x[3, 32, 32] ... }")
    raise UsageError(f"this file defines {len(own)} models; pick one", here,
                     hint=f"{path.name}:{next(iter(own))} or model=\"...\"; {_listing(unit)}")


def _listing(unit: Unit) -> str:
    return "its models are: " + (", ".join(unit.models) or "none")


def build(unit: Unit, chosen: tuple[ast.ModelDef, Unit], params: dict[str, Any], input_shape) -> Graph:
    """Elaborate one model and run the static checks."""
    graph, error = elaborate(unit, chosen, params, input_shape)
    if error is not None:
        raise error from None
    return graph


def elaborate(unit: Unit, chosen: tuple[ast.ModelDef, Unit], params: dict[str, Any],
              input_shape) -> tuple[Graph, ResgraphError | None]:
    """`build` without raising: the graph as far as it was built, and the error holding everything
    found, or None. The language server shows the shapes it has around a mistake. The static checks
    run only when elaboration succeeded; their warnings are on `graph.warnings`."""
    mdef, home = chosen
    graph = Graph(mdef.name)
    graph.doc = mdef.doc
    graph.source = home.source
    graph.sources = list(unit.sources)
    elab = Elaborator(graph)
    try:
        elab.model(mdef, home, params, input_shape)
    except LimitError as exc:
        return graph, LimitError(diagnostics=[*elab.errors(), *exc.diagnostics])
    except RecursionError:
        return graph, LimitError(diagnostics=[*elab.errors(), Diagnostic(
            "error", "the spec nests too deeply", mdef.span, "flatten deeply nested expressions or blocks",
            kind=LimitError)])
    except ResgraphError as exc:  # the model's own parameters, or its base model
        return graph, exc
    errors = elab.errors()
    if errors:
        return graph, (errors[0].kind or ResgraphError)(diagnostics=errors)
    try:
        check(graph)
    except ResgraphError as exc:
        return graph, exc
    model, home = elab.root
    graph.provenance = Provenance(model, home, tuple(input_shape) if input_shape is not None else None)
    return graph, None
