"""Every construct lowers to the same computation as a hand-written eager module with the same weights.

Each case builds a graph with the builder and writes the reference nn.Module by hand, with the
attribute names the spec's layer names should become; the eager state_dict is loaded into the
compiled module with strict=True, so the module tree and the numbers are both checked.
"""

import operator

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from resgraph.backend.flatten import flatten
from resgraph.backend.fx import build_module
from resgraph.builder import Builder

from tests.builder_blocks import basic


def compare(graph, eager: nn.Module, shape=(4, 3, 32, 32), train=True):
    """Same outputs (eval and train), same gradients, same BN running stats after a train step."""
    torch.manual_seed(0)
    for p in eager.parameters():  # break the symmetry of default inits (BN 1/0)
        p.data.add_(torch.randn_like(p) * 0.1)
    compiled = build_module(graph, seed=0)
    compiled.load_state_dict(eager.state_dict(), strict=True)
    x = torch.randn(shape)
    for mode in ([False, True] if train else [False]):
        eager.train(mode)
        compiled.train(mode)
        xe, xc = x.clone().requires_grad_(), x.clone().requires_grad_()
        ye, yc = eager(xe), compiled(xc)
        torch.testing.assert_close(yc, ye)
        ye.square().sum().backward()
        yc.square().sum().backward()
        torch.testing.assert_close(xc.grad, xe.grad)
        grads = dict(compiled.named_parameters())
        for name, p in eager.named_parameters():
            torch.testing.assert_close(grads[name].grad, p.grad, msg=name)
    torch.testing.assert_close(compiled.state_dict(), eager.state_dict())  # running stats moved alike
    return compiled


def test_chain_of_every_single_input_layer():
    b = Builder("chain")
    x = b.input(3, 32, 32)
    y = x.conv(8, 3, name="conv1").bn(name="bn1").relu(name="act").maxpool(3, 2, 1, name="pool")
    y = y.conv(8, (3, 1), (1, 2), (1, 0), name="conv2").avgpool(2, padding=1, ceil_mode=True,
                                                                count_include_pad=False, name="avg")
    y = y.conv(16, 3, dilation=2, groups=4, bias=False, name="conv3")
    y = y.adaptive_avgpool((2, 2), name="gap").flatten().linear(32, name="fc1").bn(name="bn2")
    g = b.build(y.dropout(0.0, name="drop").identity().linear(10, bias=False, name="fc2"))

    class Chain(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.pool = nn.MaxPool2d(3, 2, 1)
            self.conv2 = nn.Conv2d(8, 8, (3, 1), (1, 2), (1, 0))
            self.avg = nn.AvgPool2d(2, padding=1, ceil_mode=True, count_include_pad=False)
            self.conv3 = nn.Conv2d(8, 16, 3, padding=2, dilation=2, groups=4, bias=False)
            self.gap = nn.AdaptiveAvgPool2d(2)
            self.fc1 = nn.Linear(64, 32)
            self.bn2 = nn.BatchNorm1d(32)
            self.drop = nn.Dropout(0.0)
            self.fc2 = nn.Linear(32, 10, bias=False)

        def forward(self, x):
            y = self.pool(torch.relu(self.bn1(self.conv1(x))))
            y = self.conv3(self.avg(self.conv2(y)))
            y = self.bn2(self.fc1(torch.flatten(self.gap(y), 1)))
            return self.fc2(self.drop(y))

    compiled = compare(g, Chain())
    assert not any(n.name == "identity" for n in compiled.graph.nodes)  # identity lowers to nothing


class Basic(nn.Module):
    def __init__(self, cin, c, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.downsample = None
        if stride != 1 or cin != c:
            self.downsample = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        f = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(f + (x if self.downsample is None else self.downsample(x)))


def test_residual_blocks_in_groups_with_projection_shortcut():
    b = Builder("resnet")
    x = b.input(3, 32, 32)
    y = x.conv(8, 3, bias=False, name="conv1").bn(name="bn1").relu()
    for i, (c, stride) in enumerate([(8, 1), (16, 2)], start=1):
        with b.scope(f"layer{i}", kind="group"):
            y = basic(y, c, stride, name="0")
            y = basic(y, c, name="1")
    g = b.build(y.adaptive_avgpool(1).flatten().linear(10, name="fc"))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.layer1 = nn.Sequential(Basic(8, 8), Basic(8, 8))
            self.layer2 = nn.Sequential(Basic(8, 16, 2), Basic(16, 16))
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            y = self.layer2(self.layer1(torch.relu(self.bn1(self.conv1(x)))))
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))

    compiled = compare(g, ResNet())
    assert "layer2.0.downsample.0" in dict(compiled.named_modules())
    assert [n.name for n in compiled.layer2[0].graph.nodes if n.target is operator.add] == ["add"]
    adds = [n for n in flatten(compiled).graph.nodes if n.target is operator.add]
    assert [n.name for n in adds] == ["layer1_0_add", "layer1_1_add", "layer2_0_add", "layer2_1_add"]


def test_option_a_shortcut_subsamples_and_pads_channels():
    b = Builder("cifar")
    x = b.input(3, 32, 32)
    y = x.conv(4, 3, bias=False, name="conv1")
    with b.scope("stage"):
        f = y.conv(8, 3, 2, bias=False, name="conv1").bn(name="bn1")
        s = y.subsample(2).pad_channels(8)
        y = f.add(s).relu()
    g = b.build(y)

    class OptionA(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
            self.stage = nn.Module()
            self.stage.conv1 = nn.Conv2d(4, 8, 3, 2, 1, bias=False)
            self.stage.bn1 = nn.BatchNorm2d(8)

        def forward(self, x):
            y = self.conv1(x)
            f = self.stage.bn1(self.stage.conv1(y))
            s = F.pad(y[:, :, ::2, ::2], (0, 0, 0, 0, 2, 2))
            return torch.relu(f + s)

    compare(g, OptionA())


def test_dense_block_concatenates_every_earlier_feature_map():
    growth, n = 4, 3
    b = Builder("densenet")
    x = b.input(3, 32, 32)
    feats = [x.conv(8, 3, bias=False, name="conv0")]
    with b.scope("denseblock1"):
        for i in range(1, n + 1):
            with b.scope(f"denselayer{i}"):
                h = b.concat(*feats).bn(name="norm1").relu().conv(2 * growth, 1, bias=False, name="conv1")
                h = h.bn(name="norm2").relu().conv(growth, 3, bias=False, name="conv2")
            feats.append(h)
        y = b.concat(*feats, name="out")
    with b.scope("transition1"):
        y = y.bn(name="norm").relu().conv(10, 1, bias=False, name="conv").avgpool(2)
    g = b.build(y)

    class DenseLayer(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.norm1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, 2 * growth, 1, bias=False)
            self.norm2, self.conv2 = nn.BatchNorm2d(2 * growth), nn.Conv2d(2 * growth, growth, 3, padding=1, bias=False)

        def forward(self, feats):
            h = self.conv1(torch.relu(self.norm1(torch.cat(feats, 1))))
            return self.conv2(torch.relu(self.norm2(h)))

    class DenseNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv0 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.denseblock1 = nn.Module()
            for i in range(1, n + 1):
                self.denseblock1.add_module(f"denselayer{i}", DenseLayer(8 + growth * (i - 1)))
            self.transition1 = nn.Module()
            self.transition1.norm = nn.BatchNorm2d(8 + growth * n)
            self.transition1.conv = nn.Conv2d(8 + growth * n, 10, 1, bias=False)

        def forward(self, x):
            feats = [self.conv0(x)]
            for layer in self.denseblock1.children():
                feats.append(layer(feats))
            t = self.transition1
            return F.avg_pool2d(t.conv(torch.relu(t.norm(torch.cat(feats, 1)))), 2)

    compiled = compare(g, DenseNet())
    cats = [n for n in flatten(compiled).graph.nodes if n.target is torch.cat]
    assert [len(n.args[0]) for n in cats] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "op,args,fn",
    [
        ("relu6", (), F.relu6),
        ("gelu", (), F.gelu),
        ("silu", (), F.silu),
        ("sigmoid", (), torch.sigmoid),
        ("tanh", (), torch.tanh),
        ("leaky_relu", (0.2,), lambda t: F.leaky_relu(t, 0.2)),
    ],
)
def test_activations(op, args, fn):
    b = Builder("act")
    x = b.input(3, 8, 8)
    g = b.build(getattr(x.conv(4, 3, name="conv"), op)(*args))

    class Act(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1)

        def forward(self, x):
            return fn(self.conv(x))

    compare(g, Act(), shape=(2, 3, 8, 8))


def test_add_of_three_and_concat_of_one():
    b = Builder("merges")
    x = b.input(3, 8, 8)
    a, c, d = x.conv(4, 1, name="a"), x.conv(4, 3, name="c"), x.conv(4, 5, name="d")
    g = b.build(b.concat(b.add(a, c, d, name="sum"), name="cat"))

    class Merges(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.c, self.d = nn.Conv2d(3, 4, 1), nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(3, 4, 5, padding=2)

        def forward(self, x):
            return torch.cat([self.a(x) + self.c(x) + self.d(x)], 1)

    compare(g, Merges(), shape=(2, 3, 8, 8))


def test_dropout_is_active_in_training_only():
    b = Builder("drop")
    g = b.build(b.input(64).dropout(0.5, name="drop"))
    m = build_module(g, seed=0)
    x = torch.ones(8, 64)
    assert torch.equal(m.eval()(x), x)
    y = m.train()(x)
    assert 0 < (y == 0).sum() < y.numel() and set(y.unique().tolist()) == {0.0, 2.0}


def test_bn_running_stats_update_in_train_mode_only():
    b = Builder("bn")
    g = b.build(b.input(3, 8, 8).conv(4, 3, name="conv").bn(name="bn"))
    m = build_module(g, seed=0)
    x = torch.randn(4, 3, 8, 8) + 3
    m.eval()(x)
    assert m.bn.num_batches_tracked.item() == 0 and torch.all(m.bn.running_mean == 0)
    m.train()(x)
    assert m.bn.num_batches_tracked.item() == 1 and not torch.all(m.bn.running_mean == 0)
