"""ResNet-18/34/50 in plain torch, with a channel multiplier for small CPU runs.

Parameter names follow torchvision's resnet (conv1, bn1, layer1.0.conv1, ..., downsample.0/1), so a
torchvision state_dict loads when width_mult == 1 (its `fc.*` entries are ignored: we have no classifier).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, List, Optional, Tuple, Type, Union

import torch
from torch import nn

from ..errors import ConfigError, DataError
from .checkpointing import checkpoint_without_stat_drift


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def _conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = _conv3x3(cin, width, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(width, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = _conv1x1(cin, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv3x3(width, width, stride)  # stride on the 3x3, as torchvision (ResNet v1.5)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = _conv1x1(width, width * self.expansion)
        self.bn3 = nn.BatchNorm2d(width * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


Block = Union[Type[BasicBlock], Type[Bottleneck]]
RESNET_LAYOUTS: dict[str, Tuple[Block, List[int]]] = {
    "resnet18": (BasicBlock, [2, 2, 2, 2]),
    "resnet34": (BasicBlock, [3, 4, 6, 3]),
    "resnet50": (Bottleneck, [3, 4, 6, 3]),
}


def scaled_channels(base: int, width_mult: float) -> int:
    """Channels after the multiplier, kept >= 8 and a multiple of 8 (friendly to vectorised kernels)."""
    return max(8, int(round(base * width_mult / 8)) * 8)


class ResNetBackbone(nn.Module):
    """Image (B,3,H,W) -> feature map (B,C,H/32,W/32) and pooled vector (B,C); C = `out_channels`."""

    def __init__(self, name: str = "resnet18", width_mult: float = 1.0):
        super().__init__()
        if name not in RESNET_LAYOUTS:
            raise ConfigError([f"arch.backbone: expected one of {sorted(RESNET_LAYOUTS)}, got {name!r}"])
        block, depths = RESNET_LAYOUTS[name]
        self.name, self.width_mult = name, width_mult
        stem = scaled_channels(64, width_mult)
        self.conv1 = nn.Conv2d(3, stem, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        cin = stem
        self.layer_out_channels: List[int] = []  # channels of layer1..layer4's outputs
        for i, (base, depth) in enumerate(zip((64, 128, 256, 512), depths)):
            width = scaled_channels(base, width_mult)
            layer, cin = self._make_layer(block, cin, width, depth, stride=1 if i == 0 else 2)
            setattr(self, f"layer{i + 1}", layer)
            self.layer_out_channels.append(cin)
        self.out_channels = cin
        self.checkpoint_layers = False
        self._init_weights()

    @staticmethod
    def _make_layer(block: Block, cin: int, width: int, depth: int, stride: int):
        cout = width * block.expansion
        down = None
        if stride != 1 or cin != cout:
            down = nn.Sequential(_conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))
        blocks = [block(cin, width, stride, down)] + [block(cout, width) for _ in range(depth - 1)]
        return nn.Sequential(*blocks), cout

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def layers(self) -> List[nn.Module]:
        return [self.layer1, self.layer2, self.layer3, self.layer4]

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.forward_layers(images)[-1]
        return x, x.mean(dim=(2, 3))

    def forward_layers(self, images: torch.Tensor) -> List[torch.Tensor]:
        """The outputs of layer1..layer4 (strides 4, 8, 16, 32)."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(images))))
        outs = []
        for layer in self.layers():
            x = self._run(layer, x)
            outs.append(x)
        return outs

    def _run(self, layer: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        if self.checkpoint_layers and torch.is_grad_enabled():
            return checkpoint_without_stat_drift(layer, x)
        return layer(x)

    def load_weights(self, path: Union[str, Path]) -> None:
        """Load a local torchvision-style state_dict (nothing is downloaded)."""
        load_backbone_weights(self, path)


IMAGENET = "imagenet"


def imagenet_variable(name: str) -> str:
    return f"MAHM_IMAGENET_{name.upper()}"


def resolve_backbone_weights(name: str, weights: Union[str, Path]) -> Path:
    """arch.backbone_weights as a file: 'imagenet' is the local file that $MAHM_IMAGENET_<NAME> names."""
    if str(weights) != IMAGENET:
        return Path(weights)
    variable = imagenet_variable(name)
    if not os.environ.get(variable):
        raise ConfigError([f"arch.backbone_weights: 'imagenet' reads the local torchvision {name} file that "
                           f"${variable} names, and ${variable} is not set (nothing is downloaded)"])
    return Path(os.environ[variable]).expanduser()


def load_backbone_weights(backbone: ResNetBackbone, path: Union[str, Path]) -> None:
    path = resolve_backbone_weights(backbone.name, path)
    backbone.load_state_dict(_matching_state(backbone, path), strict=True)


def backbone_weights_problem(name: str, width_mult: float, path: Union[str, Path]) -> Optional[str]:
    """What keeps `path` from loading into this backbone ('FILE: what was expected'), or None. Reads
    the file and compares names and shapes with a backbone built on the meta device (no memory)."""
    with torch.device("meta"):
        backbone = ResNetBackbone(name, width_mult)
    try:
        path = resolve_backbone_weights(name, path)
        _matching_state(backbone, path)
    except DataError as err:
        text = str(err)
    except ConfigError as err:
        text = "; ".join(err.problems)
    else:
        return None
    return text.replace(f"{path}: arch.backbone_weights: ", f"{path}: ", 1)


def _matching_state(backbone: ResNetBackbone, path: Path) -> dict:
    if not path.is_file():
        raise DataError(f"{path}: arch.backbone_weights: file does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # pickle, zip or torch format problems all mean 'not a state_dict file'
        raise DataError(f"{path}: arch.backbone_weights: not a readable torch state_dict ({err})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise DataError(f"{path}: arch.backbone_weights: expected a state_dict (dict), got {type(state).__name__}")
    state = {k.removeprefix("module."): v for k, v in state.items() if not k.startswith(("fc.", "module.fc."))}
    own = backbone.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or mismatched:
        hint = (
            f"a torchvision {backbone.name} state_dict at arch.width_mult == 1 "
            f"(this model: {backbone.name}, width_mult {backbone.width_mult})"
        )
        detail = []
        if mismatched:
            k = mismatched[0]
            detail.append(f"{len(mismatched)} shape mismatches, e.g. {k}: file {tuple(state[k].shape)} vs model {tuple(own[k].shape)}")
        if missing:
            detail.append(f"{len(missing)} missing keys, e.g. {missing[0]}")
        if unexpected:
            detail.append(f"{len(unexpected)} unexpected keys, e.g. {unexpected[0]}")
        raise ConfigError([f"{path}: arch.backbone_weights: expected {hint}; " + "; ".join(detail)])
    return state
