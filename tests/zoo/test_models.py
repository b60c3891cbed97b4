"""The shipped zoo: every model loads by name with the exact parameter count of torchvision or the
paper, and compiles to torchvision's state_dict layout (from a fixture: no torchvision needed)."""

from __future__ import annotations

import json
import re
import time
from functools import cache
from pathlib import Path

import pytest
import torch

import resgraph
from resgraph import zoo

FIXTURE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "torchvision_state_dicts.json").read_text()
)
TORCHVISION_LAYOUT = FIXTURE[
    "models"
]  # includes densenet264, built with torchvision's DenseNet class

# torchvision's num_params and He et al. / Huang et al.'s networks, counted exactly.
EXPECTED_PARAMS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "wide_resnet50_2": 68_883_240,
    "resnext50_32x4d": 25_028_904,
    "densenet121": 7_978_856,
    "densenet161": 28_681_000,
    "densenet169": 14_149_480,
    "densenet201": 20_013_928,
    "densenet264": 33_337_704,
    "cifar_resnet20": 269_722,
    "cifar_resnet32": 464_154,
    "cifar_resnet44": 658_586,
    "cifar_resnet56": 853_018,
    "cifar_resnet110": 1_727_962,
    "cifar_resnet1202": 19_421_274,
    "densenet_bc_100_k12": 769_162,
    "densenet_bc_250_k24": 15_324_406,
    "densenet_bc_190_k40": 25_624_430,
    # option A shortcuts have no parameters, so the plain baselines count the same as the ResNets
    "cifar_plain20": 269_722,
    "cifar_plain56": 853_018,
    # timm's counts (timm 1.0.31: sum of p.numel() over create_model(name).parameters())
    "resnet50d": 25_576_264,
    "resnet101d": 44_568_392,
    "resnetv2_18": 11_687_720,
    "resnetv2_34": 21_795_880,
    "resnetv2_50": 25_549_352,
    "resnetv2_101": 44_541_480,
    "seresnet50": 28_088_024,
    "seresnet101": 49_326_872,
    "seresnext50_32x4d": 27_559_896,
    "seresnext101_32x4d": 48_955_416,
    "mobilenet_v2": 3_504_872,
    "dpn68": 12_611_602,
    "dpn68b": 12_611_602,
    "dpn92": 37_668_392,
    "dpn98": 61_570_728,
    "dpn107": 86_917_800,
    "dpn131": 79_254_504,
    "vovnet39a": 22_600_296,
    "vovnet57a": 36_640_296,
    "ese_vovnet19b_dw": 6_543_080,
    # timm's ConvNeXts and torchvision's FCN (checked live against them: tests/test_architectures.py)
    "convnext_tiny": 28_589_128,
    "convnext_small": 50_223_688,
    "convnext_base": 88_591_464,
    "fcn_resnet50": 32_957_013,
}


@cache
def graph(name: str) -> resgraph.Graph:
    return resgraph.load(name)


def meta_module(name: str, **params):
    """The compiled module with shapes only: fast enough for every model on every CI run."""
    with torch.device("meta"):
        return resgraph.compile(graph(name) if not params else resgraph.load(name, **params))


def layout(module) -> dict[str, str]:
    return {
        k: f"{','.join(map(str, v.shape)) or '-'} {str(v.dtype).removeprefix('torch.')}"
        for k, v in module.state_dict().items()
    }


def test_index_holds_exactly_the_shipped_models():
    assert zoo.model_names() == sorted(EXPECTED_PARAMS)
    assert zoo.find_model("resnet50").name == "resnet.rg"
    assert zoo.family("densenet_bc_100_k12") == "cifar_densenet"
    assert {zoo.family(m) for m in zoo.model_names()} == set(zoo.FAMILIES)


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_parameter_count_is_exact(name):
    assert graph(name).param_count() == EXPECTED_PARAMS[name]
    assert graph(name).warnings == []  # e.g. no layer computed and left unused


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_docstring_states_the_true_count(name):
    """The count in each model's docstring (what `resgraph zoo` shows) is the real one."""
    stated = re.search(r"([\d,]+) parameters", graph(name).doc)
    assert stated and int(stated.group(1).replace(",", "")) == EXPECTED_PARAMS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_compiled_module_has_the_same_count(name):
    module = meta_module(name)
    assert sum(p.numel() for p in module.parameters()) == EXPECTED_PARAMS[name]


@pytest.mark.parametrize("name", sorted(TORCHVISION_LAYOUT))
def test_state_dict_layout_is_torchvisions(name):
    """Same keys, shapes, dtypes (num_batches_tracked too): load_state_dict(strict=True) works."""
    expected = dict(entry.split(" ", 1) for entry in TORCHVISION_LAYOUT[name]["state"])
    ours = layout(meta_module(name))
    assert sorted(set(ours) - set(expected)) == [] and sorted(set(expected) - set(ours)) == []
    assert ours == expected


@pytest.mark.parametrize("name", [n for n, m in TORCHVISION_LAYOUT.items() if m["published_gmacs"]])
def test_macs_match_torchvisions_published_cost(name):
    """torchvision publishes GMACs of conv + linear at 224x224 to three decimals."""
    from resgraph.cli.zoo_cmd import macs

    weighted, _ = macs(graph(name))
    assert round(weighted / 1e9, 3) == pytest.approx(
        TORCHVISION_LAYOUT[name]["published_gmacs"], abs=1e-3
    )


def test_parameters_override_defaults():
    assert (
        resgraph.load("resnet50", layers=[3, 4, 23, 3]).param_count()
        == EXPECTED_PARAMS["resnet101"]
    )
    assert (
        resgraph.load("resnet50", groups=32, width_per_group=4).param_count()
        == EXPECTED_PARAMS["resnext50_32x4d"]
    )
    assert (
        resgraph.load("densenet121", block_config=[6, 12, 64, 48]).param_count()
        == EXPECTED_PARAMS["densenet264"]
    )
    assert (
        resgraph.load("cifar_resnet20", depth=110).param_count()
        == EXPECTED_PARAMS["cifar_resnet110"]
    )
    g = resgraph.load("resnet50", num_classes=10, in_channels=1)
    assert g.type_of(g.output).channels == 10 and g.type_of(g.inputs[0]).channels == 1


def test_drop_rate_adds_dropout_after_every_dense_layer():
    assert not any(graph("densenet121").op(n) == "dropout" for n in graph("densenet121"))
    g = resgraph.load("densenet121", drop_rate=0.2)
    drops = [n for n in g if g.op(n) == "dropout"]
    assert len(drops) == 58 and all(g.attrs(n).p == 0.2 for n in drops)
    assert all(g.inputs_of(n)[0].endswith(".conv2") for n in drops)


def test_zero_init_residual_zeroes_the_last_bn_of_every_branch():
    module = resgraph.compile("resnet18", zero_init_residual=True, input_shape=(3, 64, 64))
    bns = {k: v for k, v in module.state_dict().items() if k.endswith(".weight") and ".bn" in k}
    last = {k for k in bns if k.endswith("bn2.weight")}
    assert len(last) == 8 and all(bns[k].abs().sum() == 0 for k in last)
    assert all(bns[k].abs().sum() > 0 for k in set(bns) - last)


@pytest.mark.parametrize("name", ["resnet50", "densenet121"])
def test_forward_on_a_small_input(name):
    module = resgraph.compile(name, num_classes=7, input_shape=(3, 64, 64), seed=0).eval()
    with torch.no_grad():
        y = module(torch.randn(2, 3, 64, 64))
    assert y.shape == (2, 7) and torch.isfinite(y).all()


def test_plain_nets_have_no_skip_edges_and_resnets_do():
    for depth in (20, 56):
        plain, res = graph(f"cifar_plain{depth}"), graph(f"cifar_resnet{depth}")
        assert [n for n in plain if plain.op(n) == "add"] == []
        assert len([n for n in res if res.op(n) == "add"]) == 3 * (depth - 2) // 6
        assert {k: v.shape for k, v in resgraph.compile(plain).state_dict().items()} == {
            k: v.shape for k, v in resgraph.compile(res).state_dict().items()
        }


def _reference_cifar_resnet(sd: dict, x: torch.Tensor, n: int) -> torch.Tensor:
    """He et al.'s CIFAR ResNet with option A, written out with torch functions (eval mode)."""
    import torch.nn.functional as F

    def bn(h, p):
        return F.batch_norm(
            h, sd[f"{p}.running_mean"], sd[f"{p}.running_var"], sd[f"{p}.weight"], sd[f"{p}.bias"]
        )

    def conv(h, p, stride=1):
        return F.conv2d(h, sd[f"{p}.weight"], stride=stride, padding=1)

    h = F.relu(bn(conv(x, "conv1"), "bn1"))
    for stage, planes in enumerate((16, 32, 64), start=1):
        for j in range(n):
            p, stride = f"layer{stage}.{j}", 2 if stage > 1 and j == 0 else 1
            f = bn(
                conv(F.relu(bn(conv(h, f"{p}.conv1", stride), f"{p}.bn1")), f"{p}.conv2"),
                f"{p}.bn2",
            )
            pad = (planes - h.shape[1]) // 2
            s = h if pad == 0 else F.pad(h[:, :, ::2, ::2], (0, 0, 0, 0, pad, pad))
            h = F.relu(f + s)
    return F.linear(h.mean((2, 3)), sd["fc.weight"], sd["fc.bias"])


def test_cifar_resnet_computes_option_a():
    torch.manual_seed(0)
    module = resgraph.compile("cifar_resnet20", seed=0).eval()
    sd = module.state_dict()
    for k, v in sd.items():  # non-trivial BN statistics, so a wrong shortcut cannot hide
        if k.endswith(("running_mean", "bias")):
            v.copy_(torch.randn_like(v) * 0.1)
        elif k.endswith("running_var"):
            v.copy_(torch.rand_like(v) + 0.5)
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        assert (module(x) - _reference_cifar_resnet(sd, x, 3)).abs().max() < 1e-5


def test_densenet264_front_end_is_fast():
    """Loading is parsing + elaboration + checks; the brief asks for well under a second."""
    start = time.perf_counter()
    resgraph.load("densenet264")
    assert time.perf_counter() - start < 3.0  # generous for a loaded 2-core CI machine


def test_zoo_command_lists_every_model():
    from typer.testing import CliRunner

    from resgraph.cli import app

    result = CliRunner().invoke(app, ["zoo", "resnet", "cifar_densenet"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "25,557,032" in result.output and "4.089" in result.output
    assert "densenet_bc_190_k40" in result.output and "densenet121" not in result.output
    assert (
        "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016; torchvision.models.wide_resnet50_2)"
        in result.output
    )
    bad = CliRunner().invoke(app, ["zoo", "resnet51"])
    assert bad.exit_code == 2


def test_docs_show_the_shipped_specs_verbatim():
    """docs/zoo.md's worked examples are the real files, so they cannot go stale."""
    doc = (Path(__file__).parents[2] / "docs" / "zoo.md").read_text()
    blocks = re.findall(r"```rg\n(.*?)```", doc, re.DOTALL)
    shipped = "\n".join(p.read_text() for p in zoo.spec_files())
    assert len(blocks) == 13 and all(b in shipped for b in blocks)
    for name, count in EXPECTED_PARAMS.items():
        assert re.search(rf"\| `{name}` \| [a-z0-9_]+ \| {count:,} \|", doc), name


def test_the_dual_path_picture_is_drawn_from_a_spec_that_checks():
    """docs/img/dpn_dual_path.png is drawn from docs/img/dpn_stage.rg: both halves of each block."""
    graph = resgraph.load(Path(__file__).parents[2] / "docs" / "img" / "dpn_stage.rg")
    kinds = {k for _, _, k, _ in graph.edges()}
    assert {"add", "concat"} <= kinds and str(graph.type_of(graph.output)) == "[128, 56, 56]"
