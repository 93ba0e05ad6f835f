"""The regressed per-hand parameter vector: [pose (axis-angle 48 or 6D 96), shape (10), cam (3)].

Regressors refine this vector residually; MANO always receives axis-angle (6D -> rotation matrix by
Gram-Schmidt -> axis-angle through a quaternion, see rotations.py).
"""

from __future__ import annotations

from typing import Tuple

import torch

from .camera import MEAN_CAM
from .rotations import axis_angle_to_rot6d, rot6d_to_axis_angle

NUM_MANO_ROTATIONS = 16  # global + 15 finger joints
SHAPE_DIM = 10
CAM_DIM = 3


class HandParamLayout:
    def __init__(self, pose_repr: str = "axis_angle"):
        if pose_repr not in ("axis_angle", "rot6d"):
            raise ValueError(f"arch.pose_repr: expected 'axis_angle' or 'rot6d', got {pose_repr!r}")
        self.pose_repr = pose_repr
        self.pose_dim = NUM_MANO_ROTATIONS * (6 if pose_repr == "rot6d" else 3)
        self.state_dim = self.pose_dim + SHAPE_DIM + CAM_DIM

    def split(self, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return torch.split(state, (self.pose_dim, SHAPE_DIM, CAM_DIM), dim=-1)

    def pose_axis_angle(self, pose: torch.Tensor) -> torch.Tensor:
        """(..., pose_dim) -> (..., 48) axis-angle for MANO."""
        if self.pose_repr == "axis_angle":
            return pose
        aa = rot6d_to_axis_angle(pose.unflatten(-1, (NUM_MANO_ROTATIONS, 6)))
        return aa.flatten(-2)

    def mean_state(self, finger_mean: torch.Tensor) -> torch.Tensor:
        """(2,45) finger mean pose (axis-angle) -> (2, state_dim): zero global rotation, zero shape, MEAN_CAM."""
        aa = torch.cat((finger_mean.new_zeros(2, 3), finger_mean), dim=-1)
        pose = aa if self.pose_repr == "axis_angle" else axis_angle_to_rot6d(aa.view(2, -1, 3)).flatten(-2)
        cam = finger_mean.new_tensor(MEAN_CAM).expand(2, CAM_DIM)
        return torch.cat((pose, finger_mean.new_zeros(2, SHAPE_DIM), cam), dim=-1)
