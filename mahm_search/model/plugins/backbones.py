"""arch.backbone -> the backbone module: a built-in ResNet, a timm model, or a registered plug-in."""

from __future__ import annotations

from typing import Callable

from torch import nn

from ...errors import ConfigError
from ...plugins.kinds import BACKBONES, RESNETS, TIMM_PREFIX
from ...plugins.registry import PluginError
from ..backbone import ResNetBackbone
from .feature_backbone import FeatureBackbone, dry_run


def backbone_factory(name: str) -> Callable[..., nn.Module]:
    if name.startswith(TIMM_PREFIX):
        from .timm_backbone import timm_factory

        return timm_factory(name)
    try:
        return BACKBONES.get(name)
    except PluginError as err:
        raise ConfigError([f"arch.backbone: {err}".replace("arch.backbone: arch.backbone: ", "arch.backbone: ")]) from None


def make_backbone(spec) -> nn.Module:
    """spec: the ArchSpec. ResNets take width_mult; the others arch.backbone_args."""
    if spec.backbone in RESNETS:
        return ResNetBackbone(spec.backbone, spec.width_mult)
    factory = backbone_factory(spec.backbone)
    channels, stride = dry_run(factory, spec.backbone_args, spec.backbone, spec.input_size)
    return FeatureBackbone(factory(**spec.backbone_args), spec.backbone, channels, stride)
