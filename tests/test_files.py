"""Files at every door: saved models stay inside their directory, only regular files are read
(never blocking on a FIFO), file-level errors say `path: error:`, saves and `fmt` are atomic."""

import json
import os
import stat
import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

import resgraph
from resgraph.backend import io
from resgraph.cli import app
from resgraph.cli import fmt_cmd
from resgraph.errors import Diagnostic, ImportError_, ResgraphError, Source, Span, UsageError, WeightsError

SECRET = "SECRET-LINE root:x:0:0"
NET = "model net {\n    input x[3, 8, 8]\n    out = x -> conv(4, 3) -> relu\n}\n"
ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
not_root = pytest.mark.skipif(ROOT, reason="root ignores file permissions")


def quick(fn, *args, timeout=10.0):
    """Run fn(*args) in a thread; it must finish within `timeout` (a FIFO read would block forever)."""
    result = {}

    def target():
        try:
            result["value"] = fn(*args)
        except BaseException as exc:  # handed to the test
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{fn.__name__} blocked"
    return result.get("error", result.get("value"))


@pytest.fixture
def saved(tmp_path):
    """A saved model next to a secret file it must never read."""
    (tmp_path / "secret.rg").write_text(SECRET + "\n")
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    return resgraph.save_model(resgraph.compile(resgraph.loads(NET), seed=0), tmp_path / "saved")


def refused(kind, fn, *args):
    with pytest.raises(kind) as exc:
        fn(*args)
    assert "SECRET" not in str(exc.value)
    return str(exc.value)


# -- 1. a saved model reads only regular files inside its directory --------------------------


@pytest.mark.parametrize("spec", ["../secret.rg", "../../../../etc/passwd", "/etc/passwd", "{tmp}/secret.rg"])
def test_manifest_spec_outside_the_directory_is_refused(saved, spec):
    manifest = json.loads((saved / "manifest.json").read_text())
    manifest["spec"] = spec.format(tmp=saved.parent)
    (saved / "manifest.json").write_text(json.dumps(manifest))
    message = refused(WeightsError, resgraph.load_model, saved)
    assert message.startswith(f"{saved / 'manifest.json'}: error: the manifest's spec")
    assert "outside" in message and "root:" not in message


@pytest.mark.parametrize("name", ["model.rg", "weights.safetensors", "manifest.json"])
def test_a_symlink_in_a_saved_model_is_refused(saved, name):
    (saved / name).unlink()
    (saved / name).symlink_to(saved.parent / "secret.rg")
    message = refused(ResgraphError, resgraph.load_model, saved)
    assert "symbolic link" in message


@pytest.mark.parametrize("target", ["/etc/passwd.rg", "../secret.rg", "{tmp}/secret.rg", "/etc/passwd"])
def test_imports_in_a_saved_spec_stay_inside(saved, target):
    text = (saved / "model.rg").read_text()
    (saved / "model.rg").write_text(f'import "{target.format(tmp=saved.parent)}"\n' + text)
    message = refused(ImportError_, resgraph.load_model, saved)
    assert ":1:1: error:" in message and "root:" not in message


def test_a_link_then_dotdot_cannot_leave_a_saved_model(saved):
    """The system follows `sub` before applying `..`: sub/../x leaves the directory when sub is a link."""
    (saved / "inner" / "deep").mkdir(parents=True)
    (saved / "sub").symlink_to(saved / "inner" / "deep")
    (saved / "inner" / "x.rg").symlink_to(saved.parent / "secret.rg")
    manifest = json.loads((saved / "manifest.json").read_text())
    (saved / "manifest.json").write_text(json.dumps({**manifest, "spec": "sub/../x.rg"}))
    assert "reaches outside with '..'" in refused(WeightsError, resgraph.load_model, saved)
    (saved / "manifest.json").write_text(json.dumps(manifest))
    text = (saved / "model.rg").read_text()
    (saved / "model.rg").write_text('import "sub/../x.rg"\n' + text)
    assert "reaches outside with '..'" in refused(ImportError_, resgraph.load_model, saved)


def test_a_linked_import_in_a_saved_model_is_not_followed(saved):
    (saved / "lib.rg").symlink_to(saved.parent / "secret.rg")
    text = (saved / "model.rg").read_text()
    (saved / "model.rg").write_text('import "lib.rg"\n' + text)
    assert "symbolic link" in refused(ImportError_, resgraph.load_model, saved)


def test_an_import_inside_a_saved_model_still_loads(saved):
    (saved / "lib").mkdir()
    (saved / "lib" / "blocks.rg").write_text("block unit(c: int) {\n    out = in -> conv(c, 3) -> relu\n}\n")
    (saved / "model.rg").write_text('import "lib/blocks.rg"\n' + NET)
    assert resgraph.load_model(saved).meta["resgraph"]["graph"].name == "net"


def test_an_import_names_a_rg_file_and_a_foreign_file_is_never_quoted(tmp_path):
    (tmp_path / "notes.txt").write_text(SECRET + "\n")
    (tmp_path / "binary.rg").write_bytes(b"\xff\xfe" + SECRET.encode())
    (tmp_path / "nul.rg").write_bytes(SECRET.encode() + b"\0\n")
    for target, says in [("notes.txt", "is not a .rg file"), ("/etc/passwd", "is not a .rg file"),
                         ("binary.rg", "is not UTF-8 text"), ("nul.rg", "is not a text file")]:
        (tmp_path / "main.rg").write_text(f'import "{target}"\n' + NET)
        message = refused(ResgraphError, resgraph.load, tmp_path / "main.rg")
        assert message.startswith(f"{tmp_path / 'main.rg'}:1:1: error:") and says in message, message
        assert "root:" not in message


# -- 2. FIFOs, devices and directories are refused at once -------------------------------------


@needs_fifo
def test_a_fifo_spec_import_or_fmt_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo.rg"
    os.mkfifo(fifo)
    error = quick(resgraph.load, fifo)
    assert isinstance(error, UsageError) and str(error).startswith(f"{fifo}: error: the file is a FIFO")
    error = quick(resgraph.load, str(fifo))
    assert isinstance(error, UsageError) and "is a FIFO, not a regular file" in str(error)
    (tmp_path / "main.rg").write_text('import "fifo.rg"\n' + NET)
    error = quick(resgraph.load, tmp_path / "main.rg")
    assert isinstance(error, ImportError_) and f"{fifo} is a FIFO" in str(error)
    result = quick(CliRunner().invoke, app, ["fmt", str(fifo)])
    assert result.exit_code == 2 and "is a FIFO" in result.output and result.exception.__class__ is SystemExit


CHILD = """
import os, shutil, sys
import resgraph
for name in ("weights.safetensors", "manifest.json", "model.rg"):
    copy = os.path.join(sys.argv[1] + "-" + name)
    shutil.copytree(sys.argv[1], copy)
    os.unlink(os.path.join(copy, name))
    os.mkfifo(os.path.join(copy, name))
    try:
        resgraph.load_model(copy)
    except resgraph.ResgraphError as exc:
        print(name, "is a FIFO, not a regular file" in str(exc))
"""


@needs_fifo
def test_a_fifo_in_a_saved_model_is_refused_without_blocking(saved):
    # In a child process: safetensors opens its file holding the GIL, so a thread could not time out.
    try:
        result = subprocess.run([sys.executable, "-c", CHILD, str(saved)], capture_output=True, text=True,
                                timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("load_model blocked on a FIFO")
    assert result.stdout.splitlines() == ["weights.safetensors True", "manifest.json True", "model.rg True"], (
        result.stdout + result.stderr)


def test_directories_and_devices_are_not_specs(tmp_path):
    (tmp_path / "dir.rg").mkdir()
    assert "is a directory, not a regular file" in str(quick(resgraph.load, tmp_path / "dir.rg"))
    if os.path.exists("/dev/null"):
        assert "is a device, not a regular file" in str(quick(resgraph.load, "/dev/null"))
    (tmp_path / "main.rg").write_text('import "dir.rg"\n' + NET)
    assert "is a directory" in str(quick(resgraph.load, tmp_path / "main.rg"))


# -- 3. a NUL in an import ----------------------------------------------------------------------


def test_a_nul_in_an_import_is_located_at_the_import():
    with pytest.raises(ImportError_) as exc:
        resgraph.loads('import "a\0.rg"\n' + NET, path="main.rg")
    assert str(exc.value).startswith("main.rg:1:1: error: an import path cannot hold a NUL character")


# -- 4. file-level errors: `path: error: message` ----------------------------------------------


def test_file_level_errors_name_the_file_without_a_line(tmp_path):
    assert Diagnostic("error", "gone", Span.file("a.rg")).render() == "a.rg: error: gone"
    assert Diagnostic("error", "x", Span(Source("a.rg", "one\ntwo\n"), 2, 1, 2, 4)).render() == (
        "a.rg:2:1: error: x\n    two\n    ^~~")
    assert Diagnostic("error", "x", Span(None, 0, 0)).render() == "error: x"
    empty, binary, nul, two = (tmp_path / n for n in ("empty.rg", "binary.rg", "nul.rg", "two.rg"))
    empty.write_text("# nothing here\n")
    binary.write_bytes(b"model \xff {}")
    nul.write_bytes(b"model m {}\0")
    two.write_text(NET + NET.replace("net", "other"))
    for path, message in [(empty, "this file defines no model"), (binary, "the file is not UTF-8 text"),
                          (nul, "the file is not a text file"), (two, "this file defines 2 models; pick one")]:
        with pytest.raises(ResgraphError) as exc:
            resgraph.load(path)
        assert str(exc.value).startswith(f"{path}: error: {message}"), str(exc.value)
    with pytest.raises(ResgraphError) as exc:
        resgraph.load(two, model="nope")
    assert str(exc.value).startswith(f"{two}: error: this file has no model 'nope'")


@not_root
def test_an_unreadable_spec_is_a_file_level_error(tmp_path):
    spec = tmp_path / "locked.rg"
    spec.write_text(NET)
    spec.chmod(0)
    with pytest.raises(ResgraphError) as exc:
        resgraph.load(spec)
    assert str(exc.value).startswith(f"{spec}: error: cannot read the file: Permission denied")


# -- 5. lines are counted as the lexer counts them ---------------------------------------------


@pytest.mark.parametrize("char", ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_the_caret_line_counts_only_newlines(char):
    source = Source("a.rg", f"one{char}more\r\ntwo\n")
    assert source.line(1) == f"one{char}more" and source.line(2) == "two" and source.line(3) == ""
    text = f"model m {{\n    input x[3]  # note{char}more\n    out = x -> nosuch\n}}\n"
    with pytest.raises(ResgraphError) as exc:
        resgraph.loads(text)
    assert "\n        out = x -> nosuch\n" in str(exc.value)


def test_an_excerpt_never_sends_control_characters_to_the_terminal():
    text = "model m {\n    input x[3]  # \x1b]0;pwned\x07 \u202e\n    out = x -> nosuch  # \x1b[2J\n}\n"
    with pytest.raises(ResgraphError) as exc:
        resgraph.loads(text)
    rendered = str(exc.value)
    assert "\x1b" not in rendered and "out = x -> nosuch  # ?[2J\n" in rendered
    assert rendered.splitlines()[2].index("^") == rendered.splitlines()[1].index("nosuch")


# -- 6. atomic saves ---------------------------------------------------------------------------


def _module():
    return resgraph.compile(resgraph.loads(NET), seed=0)


def _fail(exc):
    def save_file(*args, **kwargs):
        raise exc
    return save_file


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), ModuleNotFoundError("numpy")])
def test_a_failed_save_leaves_nothing_behind(tmp_path, monkeypatch, exc):
    target = tmp_path / "runs" / "deep" / "run0"
    monkeypatch.setattr(io, "save_file", _fail(exc))
    with pytest.raises(type(exc) if isinstance(exc, ImportError) else UsageError) as raised:
        resgraph.save_model(_module(), target)
    if isinstance(exc, OSError):
        assert str(raised.value).startswith(f"{target}: error: cannot save the model: No space left on device; "
                                            "nothing was written")
    assert list(tmp_path.iterdir()) == []  # no run0/, no temporary sibling, no parents made for it
    monkeypatch.undo()
    resgraph.load_model(resgraph.save_model(_module(), target))  # and the next save is not refused


def test_a_failed_save_keeps_the_previous_one(tmp_path, monkeypatch):
    target = resgraph.save_model(_module(), tmp_path / "run0")
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    monkeypatch.setattr(io, "save_file", _fail(OSError(5, "Input/output error")))
    with pytest.raises(UsageError, match="nothing was written"):
        resgraph.save_model(_module(), target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run0"]


def test_save_refuses_what_it_would_clobber(tmp_path, monkeypatch):
    module = _module()
    (tmp_path / "file").write_text("mine")
    message = refused(UsageError, resgraph.save_model, module, tmp_path / "file")
    assert message.startswith(f"{tmp_path / 'file'}: error: this exists and is not a directory")
    assert (tmp_path / "file").read_text() == "mine"
    run = resgraph.save_model(module, tmp_path / "run")
    (run / "notes.txt").write_text("mine")
    message = refused(UsageError, resgraph.save_model, module, run)
    assert "also holds notes.txt; refusing to replace it" in message and (run / "notes.txt").read_text() == "mine"
    (tmp_path / "link").symlink_to(tmp_path / "run")
    assert "symbolic link" in refused(UsageError, resgraph.save_model, module, tmp_path / "link")
    monkeypatch.chdir(run)
    assert "current directory" in refused(UsageError, resgraph.save_model, module, ".")
    empty = tmp_path / "empty"
    empty.mkdir(mode=0o750)
    resgraph.save_model(module, empty)  # an empty directory is filled, keeping its mode
    assert stat.S_IMODE(empty.stat().st_mode) == 0o750 and (empty / "model.rg").is_file()
    monkeypatch.chdir(empty)
    assert "current directory" in refused(UsageError, resgraph.save_model, module, "sub/..")
    monkeypatch.chdir(tmp_path)
    resgraph.save_model(module, "empty/sub/..")  # no name of its own: saved beside, then renamed onto it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file", "link", "run"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_save_into_an_unwritable_place_is_an_error_even_for_root(tmp_path):
    message = refused(UsageError, resgraph.save_model, _module(), "/proc/resgraph-run0")
    assert message.startswith("/proc/resgraph-run0: error: cannot save the model:")


@not_root
def test_save_into_a_read_only_directory(tmp_path):
    (tmp_path / "ro").mkdir(mode=0o555)
    assert "read-only" in refused(UsageError, resgraph.save_model, _module(), tmp_path / "ro")
    assert "cannot save the model: Permission denied" in refused(
        UsageError, resgraph.save_model, _module(), tmp_path / "ro" / "run0")


def test_compile_save_errors_are_located_and_no_traceback(tmp_path):
    spec = tmp_path / "net.rg"
    spec.write_text(NET)
    (tmp_path / "taken").write_text("mine")
    targets = [tmp_path / "taken"] + (["/proc/resgraph-run0"] if sys.platform.startswith("linux") else [])
    for target in targets:
        result = CliRunner().invoke(app, ["compile", str(spec), "--save", str(target)])
        assert result.exit_code == 2 and f"{target}: error:" in result.output, result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


# -- 7. the API's path arguments ---------------------------------------------------------------


def test_load_and_save_model_take_a_directory_path(tmp_path):
    assert "load_model takes a directory path (a str or Path), not int" in refused(UsageError, resgraph.load_model, 123)
    assert "save_model takes a directory path" in refused(UsageError, resgraph.save_model, _module(), 1.5)
    assert "NUL" in refused(UsageError, resgraph.load_model, "a\0b")


# -- 8. fmt: atomic, keeps the mode, refuses what it cannot write ------------------------------

MESSY = "model m {\n input x[3]\n out=x->relu\n}\n"


def test_fmt_keeps_the_mode_and_the_symlink(tmp_path):
    spec = tmp_path / "spec.rg"
    spec.write_text(MESSY)
    spec.chmod(0o640)
    (tmp_path / "link.rg").symlink_to(spec)
    result = CliRunner().invoke(app, ["fmt", str(tmp_path / "link.rg")])
    assert result.exit_code == 0 and "out = x -> relu" in spec.read_text()
    assert (tmp_path / "link.rg").is_symlink() and stat.S_IMODE(spec.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.rg", "spec.rg"]


def test_a_failed_fmt_write_leaves_the_spec_whole(tmp_path, monkeypatch):
    spec = tmp_path / "spec.rg"
    spec.write_text(MESSY)

    def replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fmt_cmd.os, "replace", replace)
    result = CliRunner().invoke(app, ["fmt", str(spec)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"{spec}: error: cannot write the file: No space left on device; left unchanged" in result.output
    assert spec.read_text() == MESSY and [p.name for p in tmp_path.iterdir()] == ["spec.rg"]


@not_root
def test_fmt_of_a_read_only_spec_or_folder_is_an_error(tmp_path):
    spec = tmp_path / "spec.rg"
    spec.write_text(MESSY)
    spec.chmod(0o444)
    result = CliRunner().invoke(app, ["fmt", str(spec)])
    assert result.exit_code == 1 and f"{spec}: error: the file is read-only" in result.output
    spec.chmod(0o644)
    tmp_path.chmod(0o555)
    try:
        result = CliRunner().invoke(app, ["fmt", str(spec)])
    finally:
        tmp_path.chmod(0o755)
    assert result.exit_code == 1 and "cannot write the file: Permission denied" in result.output
    assert spec.read_text() == MESSY
