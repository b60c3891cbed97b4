"""Issue 11: what `check` accepts, `compile` builds; sizes past what can be allocated are refused
at check time, at the layer; the public API answers wrong arguments with a UsageError."""

from pathlib import Path

import pytest
import torch

import resgraph
from resgraph.backend.codegen import to_python
from resgraph.errors import CompileError, LimitError, NameError_, ResgraphError, TypeError_, UsageError
from resgraph.ir.verify import MAX_LAYER_PARAMS, MAX_MODEL_PARAMS


def spec(body: str, header: str = "model m") -> str:
    return f"{header} {{\n    input x[3, 8, 8]\n{body}\n}}\n"


def refused(text: str, kind=ResgraphError) -> ResgraphError:
    with pytest.raises(kind) as exc:
        resgraph.loads(text, path="net.rg")
    return exc.value


def where(exc: ResgraphError) -> tuple[int, int]:
    span = exc.diagnostics[0].span
    assert span is not None and span.path == "net.rg", exc.render()
    return span.line, span.col


# -- sizes ---------------------------------------------------------------------------------------


def test_a_layer_too_large_to_allocate_is_refused_at_the_layer():
    """9.9e12 parameters used to pass check and die in compile with an allocation traceback."""
    exc = refused(spec("    out = x -> conv(1048576, 3) -> big: conv(1048576, 3)"), LimitError)
    assert where(exc) == (3, 41)
    assert "'big' has 9,895,605,698,560 parameters" in exc.message and "2**31" in exc.message
    assert "fewer channels" in exc.diagnostics[0].hint


def test_a_linear_layer_over_a_huge_flatten_is_refused():
    exc = refused(spec("    out = x -> conv(1024, 3) -> flatten -> fc: linear(65536)"), LimitError)
    assert where(exc) == (3, 48) and "'fc'" in exc.message


def test_a_model_too_large_in_all_is_refused_where_it_crosses_the_limit():
    # 805M parameters a layer, under the per-layer limit; the 22nd layer takes the sum past 2**34
    text = "model m {\n    input x[16384, 4, 4]\n    out = x -> deep: [conv(16384, (3, 1), bias=false)] * 24\n}\n"
    exc = refused(text, LimitError)
    assert where(exc) == (3, 23)
    assert "'deep.21.0' crosses it" in exc.message and "2**34" in exc.message


def test_the_limits_are_far_above_every_zoo_model():
    for name in ("wide_resnet50_2", "densenet264", "resnet152"):
        g = resgraph.load(name)
        assert g.param_count() * 100 < MAX_MODEL_PARAMS
        assert max(g.param_count(n) for n in g) * 100 < MAX_LAYER_PARAMS


def test_an_allocation_failure_in_compile_is_a_located_error(monkeypatch):
    """Under the limits a machine can still run out of memory: a CompileError at the layer."""
    import resgraph.backend.fx as fx

    g = resgraph.loads(spec("    out = x -> conv(8, 3) -> wide: conv(64, 3)"), path="net.rg")

    class Torch:  # torch as fx.py sees it, out of memory for one tensor (torch itself stays unpatched)
        def __getattr__(self, name):
            return getattr(torch, name)

        @staticmethod
        def empty(shape, **kwargs):
            if shape == torch.Size([64, 8, 3, 3]):
                raise RuntimeError("DefaultCPUAllocator: can't allocate memory")
            return torch.empty(shape, **kwargs)

    monkeypatch.setattr(fx, "torch", Torch())
    with pytest.raises(CompileError, match=r"cannot allocate the 18,432 bytes of 'wide.weight'") as exc:
        resgraph.compile(g)
    assert where(exc.value) == (3, 36)


@pytest.mark.parametrize("call", ["conv(8, 3, padding=1000000000000000000000)",
                                  "conv(8, 3, padding=(1, 100000000000000000000))",
                                  "maxpool(2, stride=1000000000000000000000)"])
def test_window_sizes_past_torchs_ints_are_refused(call):
    """These passed check and compile and crashed the forward with an overflow TypeError."""
    exc = refused(spec(f"    out = x -> {call}"), TypeError_)
    assert where(exc) == (3, 16) and "less than or equal to 4096" in exc.message
    assert "constrained-int" not in exc.message


# -- what check accepts, compile builds ----------------------------------------------------------


def test_an_unknown_init_scheme_is_refused_at_check_time():
    exc = refused(spec('    option init = "kaiming"\n    out = x -> conv(8, 3)'), NameError_)
    assert where(exc) == (3, 12)
    assert "unknown init scheme 'kaiming'" in exc.message
    assert "kaiming_fan_in" in exc.diagnostics[0].hint and '"torch"' in exc.diagnostics[0].hint


def test_an_unknown_option_is_refused_at_check_time():
    exc = refused(spec('    option initt = "torch"\n    out = x -> conv(8, 3)'), NameError_)
    assert where(exc) == (3, 12) and "unknown option 'initt'" in exc.message
    assert "did you mean 'init'?" in exc.diagnostics[0].hint


@pytest.mark.parametrize("default, col, message", [
    ("1e400", 36, "number too large for a float"), ("-1e400", 37, "number too large for a float"),
    ("1e400 - 1e400", 36, "number too large for a float"),
    ("1e300 * 1e300", 36, "the result of '*' is too large for a float"),
    ("[1.0, 1e400]", 41, "number too large for a float")])
def test_a_parameter_that_cannot_be_saved_is_refused_at_check_time(default, col, message):
    """These passed check and failed when the model was saved ("the value inf cannot be written");
    now the literal (or the arithmetic) that overflows is the error."""
    typ = "list" if default.startswith("[") else "float"
    exc = refused(spec("    out = x -> conv(8, 3)", f"model m(k: int = 1, scale: {typ} = {default})"), LimitError)
    assert where(exc) == (1, col) and message in exc.message


def test_a_derived_models_non_finite_parameter_points_at_its_literal():
    text = spec("    out = x -> conv(8, 3)", "model m(scale: float = 1.0)") + "model d = m(scale=1e400)\n"
    with pytest.raises(LimitError) as info:
        resgraph.loads(text, path="net.rg", model="d")
    exc = info.value
    assert where(exc) == (5, 19) and "number too large for a float" in exc.message


def test_a_non_finite_attribute_is_refused_at_the_call():
    exc = refused(spec("    out = x -> conv(8, 3) -> bn(eps=1e400)"), LimitError)
    assert where(exc) == (3, 37) and "number too large for a float" in exc.message


def test_a_graph_built_by_hand_with_a_non_finite_parameter_is_refused_at_check_time():
    from resgraph.ir.verify import check

    g = resgraph.loads(spec("    out = x -> conv(8, 3)", "model m(scale: float = 1.0)"), path="net.rg")
    g.params["scale"] = float("inf")
    with pytest.raises(TypeError_, match="'scale' is inf, which cannot be saved"):
        check(g)


def test_what_check_accepts_compiles_and_writes_out():
    """A spec near every edge fixed here goes all the way through."""
    text = spec('    option init = "torch"\n    out = x -> conv(8, 3, padding=4096) -> maxpool(2, stride=4096)'
                " -> bn(eps=1e300)", "model m(scale: float = 1e308)")
    graph = resgraph.loads(text, path="net.rg")
    module = resgraph.compile(graph, seed=0)
    assert resgraph.loads(resgraph.to_rg(graph)).params == {"scale": 1e308}
    assert "class M" in to_python(module)


# -- the API's arguments -------------------------------------------------------------------------

TEXT = spec("    out = x -> conv(8, 3)")


@pytest.mark.parametrize("call, expected", [
    (lambda: resgraph.load(5), "source must be a .rg path or a zoo model name"),
    (lambda: resgraph.load(b"resnet18"), "source must be"),
    (lambda: resgraph.load("resnet18", model=5), "model must be None or the name of a model"),
    (lambda: resgraph.load("resnet18", input_shape=5), r"input_shape must be a tuple of ints such as \(3, 224, 224\)"),
    (lambda: resgraph.load("resnet18", input_shape="3,32,32"), "input_shape must be a tuple of ints"),
    (lambda: resgraph.load("resnet18", input_shape=(3, "a", 2)), "input_shape must be a tuple of ints"),
    (lambda: resgraph.load("resnet18", num_classes=float("nan")), "parameter num_classes=nan is not a finite number"),
    (lambda: resgraph.loads(TEXT.encode()), r"text must be the .rg text as a str \(decode bytes first"),
    (lambda: resgraph.loads(None), "text must be the .rg text as a str"),
    (lambda: resgraph.loads(TEXT, path=5), "path must be a str or Path"),
    (lambda: resgraph.loads(TEXT, model=["m"]), "loads: model must be None"),
    (lambda: resgraph.compile(5), "source must be a Graph, a .rg path or a zoo model name"),
    (lambda: resgraph.compile(TEXT_GRAPH(), seed="a"), "seed must be None or an int, got str 'a'"),
    (lambda: resgraph.compile(TEXT_GRAPH(), seed=1.5), "seed must be None or an int"),
    (lambda: resgraph.compile(TEXT_GRAPH(), seed=True), "seed must be None or an int"),
    (lambda: resgraph.compile(TEXT_GRAPH(), seed=2**70), "seed 1180591620717411303424 is out of range"),
    (lambda: resgraph.compile("resnet18", input_shape=5), "input_shape must be a tuple of ints"),
    (lambda: resgraph.compile(TEXT_GRAPH(), memory_efficient="yes"), "memory_efficient must be True or False"),
    (lambda: resgraph.optimize(5), "optimize expects a torch.fx.GraphModule"),
    (lambda: resgraph.optimize(torch.nn.Linear(2, 2)), "optimize expects a torch.fx.GraphModule.*not Linear"),
    (lambda: resgraph.optimize(resgraph.compile(TEXT_GRAPH()), skip=5), "skip must be a list of pass names"),
    (lambda: resgraph.optimize(resgraph.compile(TEXT_GRAPH()), skip="fold_bn"), "skip must be a list of pass names"),
    (lambda: resgraph.optimize(resgraph.compile(TEXT_GRAPH()), explain="no"), "explain must be True or False"),
])
def test_wrong_arguments_are_usage_errors(call, expected):
    """These raised TypeError, RuntimeError, ValueError or AttributeError from inside the stages."""
    with pytest.raises(UsageError, match=expected):
        call()


def TEXT_GRAPH():
    return resgraph.loads(TEXT)


def test_right_arguments_still_work(tmp_path):
    (tmp_path / "net.rg").write_text(TEXT)
    for source in (tmp_path / "net.rg", str(tmp_path / "net.rg")):
        assert resgraph.load(source, input_shape=[3, 16, 16]).type_of("out").dims() == (8, 16, 16)
    assert resgraph.loads(TEXT, path=Path("p.rg"), model="m").source.path == "p.rg"
    a = resgraph.compile(TEXT_GRAPH(), seed=-1)
    b = resgraph.compile(TEXT_GRAPH(), seed=2**64 - 1)
    assert torch.equal(a.out.weight, b.out.weight)  # torch reads a seed modulo 2**64
    opt = resgraph.optimize(resgraph.compile(TEXT_GRAPH()).eval(), skip=("fold_bn",))
    assert opt.meta["resgraph"]["opt_level"] == 1


@pytest.mark.parametrize("op", ["maxpool", "avgpool"])
def test_pooled_sizes_are_pytorchs_in_ceil_mode(op):
    """maxpool(2, stride=3, padding=1, ceil_mode=true) on 5x5 was inferred 3x3; torch makes 2x2."""
    from itertools import product

    from resgraph.ir import TensorType, ops
    from resgraph.ir.ops.base import ShapeMismatch

    opdef, fn = ops.get(op), getattr(torch.nn.functional, f"{op[:3]}_pool2d")
    for size, k, s, p, ceil in product(range(1, 9), range(1, 5), range(1, 5), range(3), (False, True)):
        if 2 * p > k:
            continue
        attrs = opdef.bind([k, s, p, ceil], {})
        try:
            got = opdef.infer(attrs, [TensorType(1, (size, size), (1, 1))], ["x"]).spatial
        except ShapeMismatch:  # stricter than torch: a window larger than the padded map is refused
            continue
        assert got == tuple(fn(torch.zeros(1, 1, size, size), k, s, p, ceil_mode=ceil).shape[2:]), (size, k, s, p)


def test_a_builder_graphs_unknown_init_names_its_file():
    b = resgraph.Builder("m", options={"init": "he"})
    with pytest.raises(NameError_, match="unknown init scheme 'he'") as exc:
        b.build(b.input(3, 8, 8).conv(8, 3))
    assert exc.value.render().startswith(f"{__file__}: error:")
