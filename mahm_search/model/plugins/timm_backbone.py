"""arch.backbone: timm/<name>: any timm model as the feature extractor (the `timm` extra).

timm.create_model(name, features_only=True, pretrained=False, **arch.backbone_args); its deepest
feature map is the backbone's output. Weights come only from arch.backbone_weights, a local file:
nothing is downloaded.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from ...errors import ConfigError
from ...plugins.kinds import TIMM_PREFIX, timm_problem


class DeepestFeature(nn.Module):
    """timm's features_only network -> its last (deepest) feature map."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)[-1]


def timm_factory(backbone: str) -> Callable[..., nn.Module]:
    problem = timm_problem(backbone)
    if problem is not None:
        raise ConfigError([f"arch.backbone: {problem}"])
    name = backbone[len(TIMM_PREFIX):]

    def make(**args) -> nn.Module:
        import timm

        if args.get("pretrained"):
            raise ConfigError(["arch.backbone_args.pretrained: nothing is downloaded; give a local weights file "
                               "as arch.backbone_weights instead"])
        args = {k: v for k, v in args.items() if k not in ("pretrained", "features_only")}
        return DeepestFeature(timm.create_model(name, features_only=True, pretrained=False, **args))

    return make
