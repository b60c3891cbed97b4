"""Finding the grammar and caching Lark's analysis of it, where only this user can write.

Apart from the parser because it is file-system and security policy, not syntax.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

import lark as _lark

_GRAMMAR = "resgraph.lark"


def grammar_path() -> Path:
    """The grammar inside the installed package first, else at the root of a checkout."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / _GRAMMAR, here.parent / "grammar" / _GRAMMAR):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"cannot find {_GRAMMAR} next to the resgraph package")


OPTIONS = dict(parser="lalr", lexer="basic", start=["start", "template_part", "literal"],
               propagate_positions=True, maybe_placeholders=True)


def cache_file(grammar: str) -> str | None:
    """Where the analysed grammar may be cached, or None when no private place is at hand.

    The cache is a pickle, and unpickling runs code, so it lives only in a directory of the user's
    own (`$XDG_CACHE_HOME/resgraph` or `~/.cache/resgraph`, made 0700) that nobody else can write,
    never in the shared temp folder. Its name follows the grammar, Lark and Python versions.
    """
    if not hasattr(os, "getuid"):
        return None
    try:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        root = os.path.join(base, "resgraph")
        os.makedirs(root, mode=0o700, exist_ok=True)
        if not _private(os.lstat(root), stat.S_ISDIR):
            return None
        key = f"{grammar}\0{OPTIONS}\0{_lark.__version__}\0{sys.version_info[:2]}"
        path = os.path.join(root, f"parser-{hashlib.sha256(key.encode()).hexdigest()[:32]}.lark")
        try:
            if not _private(os.lstat(path), stat.S_ISREG):
                return None
        except FileNotFoundError:
            pass
        return path
    except (OSError, RuntimeError):  # no home directory, a read-only one, ...
        return None


def _private(st: os.stat_result, is_kind) -> bool:
    """Owned by this user, of the expected kind (a symlink is not), writable by nobody else."""
    return is_kind(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022
