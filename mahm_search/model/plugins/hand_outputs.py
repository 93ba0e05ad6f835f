"""The stage dict from hand parameters: what a head plug-in returns per stage, made as MAHMNet makes it."""

from __future__ import annotations

from typing import Dict

import torch

from ...hands.joints import ROOT
from ..camera import project_weak_perspective


def hand_outputs(mano, pose: torch.Tensor, shape: torch.Tensor, cam: torch.Tensor, root_rel: torch.Tensor,
                 input_size: int) -> Dict[str, torch.Tensor]:
    """pose (B,2,48) axis-angle as the MANO layer takes it, shape (B,2,10), cam (B,2,3) weak perspective
    (s, tx, ty), root_rel (B,3) mm -> the stage dict (network.py): one MANO call for both hands,
    vertices and joints relative to each hand's wrist (mm), joints_2d in crop pixels."""
    out = mano(pose, shape)
    root = out["joints"][:, :, ROOT: ROOT + 1]
    joints = out["joints"] - root
    return {"pose": pose, "shape": shape, "cam": cam, "root_rel": root_rel, "vertices": out["vertices"] - root,
            "joints_3d": joints, "joints_2d": project_weak_perspective(joints, cam, input_size)}
