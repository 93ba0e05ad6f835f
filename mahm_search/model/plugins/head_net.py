"""A network whose head after the backbone is a plug-in (arch.head).

Contract: a callable (in_channels, stride, input_size, mano, **arch.head_args) -> nn.Module whose
forward(features (B,C,h,w)) returns {"stages": [stage dicts], ...}: each stage dict as MAHMNet's
(network.py; `hand_outputs` makes one from MANO parameters), every stage supervised, the last one
evaluated. Optional keys "heatmaps", "joints_25d", "joint_logits" default to None.
"""

from __future__ import annotations

from typing import Dict

import torch
from torch import nn

from ...errors import ConfigError
from ...plugins.kinds import HEADS
from ...plugins.registry import PluginError
from ..checkpointing import checkpoint_without_stat_drift

OPTIONAL_OUTPUTS = ("heatmaps", "joints_25d", "joint_logits")


class HeadNet(nn.Module):
    def __init__(self, spec, mano: nn.Module, backbone: nn.Module):
        super().__init__()
        self.spec, self.mano, self.backbone = spec, mano, backbone
        try:
            factory = HEADS.get(spec.head)
        except PluginError as err:
            raise ConfigError([str(err)]) from None
        try:
            self.head = factory(in_channels=backbone.out_channels, stride=getattr(backbone, "stride", 32),
                                input_size=spec.input_size, mano=mano, **spec.head_args)
        except Exception as err:
            raise ConfigError([f"arch.head: plug-in {spec.head!r} breaks the head contract: building it with "
                               f"arch.head_args {spec.head_args} failed ({type(err).__name__}: {err})"]) from None
        if not isinstance(self.head, nn.Module):
            raise ConfigError([f"arch.head: plug-in {spec.head!r} breaks the head contract: expected an nn.Module, "
                               f"got {type(self.head).__name__}"])
        self.checkpoint_head = False

    def set_checkpointing(self, stages: bool, backbone: bool) -> None:
        self.checkpoint_head = bool(stages)
        self.backbone.checkpoint_layers = bool(backbone)

    def forward(self, images: torch.Tensor) -> Dict[str, object]:
        features = self.backbone.forward_layers(images)[-1]
        if self.checkpoint_head and torch.is_grad_enabled():
            out = checkpoint_without_stat_drift(self.head, features)
        else:
            out = self.head(features)
        out = dict(out) if isinstance(out, dict) else {"stages": out}
        for key in OPTIONAL_OUTPUTS:
            out.setdefault(key, None)
        return out
