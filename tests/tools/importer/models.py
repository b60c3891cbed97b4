"""Small hand-written PyTorch models in the shapes of the reference families (helpers, no tests):
the structures the importer must recover, without torchvision or timm."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    """torchvision's BasicBlock: two 3x3 convolutions, a projection shortcut where shapes change."""

    def __init__(self, cin: int, c: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.downsample = None
        if stride != 1 or cin != c:
            self.downsample = nn.Sequential(nn.Conv2d(cin, c, 1, stride, bias=False), nn.BatchNorm2d(c))

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16), BasicBlock(16, 16))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class DenseLayer(nn.Module):
    """torchvision's _DenseLayer: it reads the list of every earlier map and concatenates it."""

    def __init__(self, cin: int, growth: int) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, 2 * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(2 * growth)
        self.conv2 = nn.Conv2d(2 * growth, growth, 3, padding=1, bias=False)

    def forward(self, features):
        x = torch.cat(features, 1)
        x = self.conv1(F.relu(self.norm1(x)))
        return self.conv2(F.relu(self.norm2(x)))


class DenseBlock(nn.ModuleDict):
    def __init__(self, n: int, cin: int, growth: int) -> None:
        super().__init__()
        for i in range(n):
            self.add_module(f"denselayer{i + 1}", DenseLayer(cin + i * growth, growth))

    def forward(self, init):
        features = [init]
        for layer in self.values():
            features.append(layer(features))
        return torch.cat(features, 1)


class TinyDenseNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential()
        self.features.add_module("conv0", nn.Conv2d(3, 8, 3, padding=1, bias=False))
        self.features.add_module("block1", DenseBlock(4, 8, 4))
        self.features.add_module("pool1", nn.AvgPool2d(2, 2))
        self.features.add_module("block2", DenseBlock(3, 24, 4))
        self.features.add_module("norm5", nn.BatchNorm2d(36))
        self.classifier = nn.Linear(36, 10)

    def forward(self, x):
        x = F.relu(self.features(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, (1, 1)), 1))


class SqueezeExcite(nn.Module):
    """timm's SEModule: a gate from the channels' means, multiplied into the map."""

    def __init__(self, c: int, r: int = 4) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        s = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * s.sigmoid()


class InvertedResidual(nn.Module):
    """MobileNetV2's block: expand, depthwise, project; the skip only where shapes agree."""

    def __init__(self, cin: int, c: int, stride: int, expand: int = 4) -> None:
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == c
        self.conv = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
            nn.ReLU6(inplace=True), nn.Conv2d(hidden, c, 1, bias=False), nn.BatchNorm2d(c))
        self.se = SqueezeExcite(c)

    def forward(self, x):
        y = self.se(self.conv(x))
        return x + y if self.use_res else y


class TinyMobileNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU6(inplace=True)),
            InvertedResidual(8, 8, 1), InvertedResidual(8, 16, 2), InvertedResidual(16, 16, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(16, 10))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class LayerNorm2d(nn.LayerNorm):
    """timm's LayerNorm2d: a LayerNorm over the channels of an NCHW map, by permuting."""

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    """timm's ConvNeXtBlock: depthwise 7x7, then a LayerNorm and an MLP over channels last, a
    layer scale, the skip."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv_dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c, eps=1e-6)
        self.fc1 = nn.Linear(c, 4 * c)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(4 * c, c)
        self.gamma = nn.Parameter(torch.full((c,), 1e-6))

    def forward(self, x):
        shortcut = x
        x = self.conv_dw(x).permute(0, 2, 3, 1)
        x = self.fc2(self.act(self.fc1(self.norm(x))))
        x = x.mul(self.gamma.reshape(1, 1, 1, -1)).permute(0, 3, 1, 2)
        return x + shortcut


class TinyConvNeXt(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 4, 4), LayerNorm2d(16, eps=1e-6))
        self.stages = nn.Sequential(nn.Sequential(ConvNeXtBlock(16), ConvNeXtBlock(16)),
                                    nn.Sequential(LayerNorm2d(16, eps=1e-6), nn.Conv2d(16, 32, 2, 2)),
                                    nn.Sequential(ConvNeXtBlock(32)))
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.head(x.mean((2, 3), keepdim=True).flatten(1))


class DualPath(nn.Module):
    """timm's DualPathBlock: one tensor whose first channels are the residual path and the rest
    the dense path; a 1x1 projection in the first block of a stage."""

    def __init__(self, cin: int, bw: int, inc: int, proj: bool) -> None:
        super().__init__()
        self.bw = bw
        self.proj = nn.Conv2d(cin, bw + 2 * inc, 1, bias=False) if proj else None
        self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, bw + inc, 3, padding=1, bias=False))

    def forward(self, x):
        s = self.proj(x) if self.proj is not None else x
        y = self.body(x)
        return torch.cat([s[:, :self.bw] + y[:, :self.bw], s[:, self.bw:], y[:, self.bw:]], dim=1)


class TinyDPN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.blocks = nn.Sequential(DualPath(8, 8, 4, True), DualPath(20, 8, 4, False), DualPath(24, 8, 4, False),
                                    DualPath(28, 16, 4, True), DualPath(28, 16, 4, False))

    def forward(self, x):
        return self.blocks(self.stem(x))


class TinyUNet(nn.Module):
    """An encoder-decoder: upsampled maps joined with the encoder's by concatenation (U-Net, FPN)."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.enc2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(16, 8, 2, 2)
        self.dec = nn.Conv2d(16, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(e1)
        d = self.dec(torch.cat([self.up(e2), e1], dim=1))
        y = F.interpolate(self.head(F.avg_pool2d(d, 2)), size=x.shape[-2:], mode="bilinear", align_corners=False)
        return y


def models() -> dict[str, tuple[nn.Module, tuple[int, ...]]]:
    """name → (model with its weights and batch statistics drawn from a fixed seed, input shape)."""
    out = {}
    for name, make, shape in [("tiny_resnet", TinyResNet, (3, 16, 16)), ("tiny_densenet", TinyDenseNet, (3, 8, 8)),
                              ("tiny_mobilenet", TinyMobileNet, (3, 16, 16)), ("tiny_convnext", TinyConvNeXt, (3, 16, 16)),
                              ("tiny_dpn", TinyDPN, (3, 8, 8)), ("tiny_unet", TinyUNet, (3, 16, 16))]:
        torch.manual_seed(0)
        model = make()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
        out[name] = (model.eval(), shape)
    return out
