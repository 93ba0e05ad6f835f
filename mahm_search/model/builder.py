"""build_model: ArchSpec (+ ManoSpec) -> MAHMNet, with optional local backbone weights."""

from __future__ import annotations

from typing import Any, Union

import torch

from ..errors import parse_model
from ..hands.spec import ManoSpec
from .network import MAHMNet
from .spec import ArchSpec


def build_model(spec: Union[ArchSpec, dict[str, Any]], mano: ManoSpec = ManoSpec()) -> torch.nn.Module:
    """MAHMNet, or with a plug-in arch.head the backbone followed by that head (plugins/head_net.py)."""
    if not isinstance(spec, ArchSpec):
        spec = parse_model(ArchSpec, spec, "<arch>", prefix="arch")
    from ..hands.layer import TwoHandMANO  # lazy: hands/ loads smplx and the model files

    layer = TwoHandMANO(mano)
    if spec.head != "mahm":
        from .plugins.backbones import make_backbone
        from .plugins.head_net import HeadNet

        model = HeadNet(spec, layer, make_backbone(spec))
    else:
        model = MAHMNet(spec, layer, mean_finger_pose(layer, mano))
    if spec.backbone_weights is not None:
        model.backbone.load_weights(spec.backbone_weights)
    return model


def mean_finger_pose(layer, mano: ManoSpec) -> torch.Tensor:
    """The finger pose (2,45) to feed the layer for MANO's mean hand (the regressors' start).

    With flat_hand_mean False the layer adds hands_mean itself (smplx's convention, InterHand's
    parameters), so the mean hand is a zero input; with flat_hand_mean True it is hands_mean.
    """
    if mano.flat_hand_mean:
        return layer.hands_mean
    return torch.zeros_like(layer.hands_mean)
