"""The regressed per-hand parameter vector: [pose, shape (10), cam (3)].

pose is axis-angle (48), 6D (96) or 'pca': the global axis-angle (3) and K coefficients of MANO's own
finger-pose PCA (hands_components, as smplx's use_pca; real hands vary mostly along the first few, so
the regressor has K numbers to find instead of 45). Regressors refine this vector residually; MANO
always receives axis-angle (6D -> rotation matrix by Gram-Schmidt -> axis-angle through a quaternion,
see rotations.py; PCA -> finger mean + coefficients x components).
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch

from .camera import MEAN_CAM
from .rotations import axis_angle_to_rot6d, rot6d_to_axis_angle

NUM_MANO_ROTATIONS = 16  # global + 15 finger joints
SHAPE_DIM = 10
CAM_DIM = 3


class HandParamLayout:
    def __init__(self, pose_repr: str = "axis_angle", pca_components: int = 45):
        """pca_components: K, the finger-pose coefficients regressed with pose_repr 'pca'."""
        if pose_repr not in ("axis_angle", "rot6d", "pca"):
            raise ValueError(f"arch.pose_repr: expected 'axis_angle', 'rot6d' or 'pca', got {pose_repr!r}")
        self.pose_repr = pose_repr
        if pose_repr == "pca":
            self.pose_dim = 3 + pca_components
        else:
            self.pose_dim = NUM_MANO_ROTATIONS * (6 if pose_repr == "rot6d" else 3)
        self.state_dim = self.pose_dim + SHAPE_DIM + CAM_DIM

    def split(self, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return torch.split(state, (self.pose_dim, SHAPE_DIM, CAM_DIM), dim=-1)

    def pose_axis_angle(self, pose: torch.Tensor, finger_mean: Optional[torch.Tensor] = None,
                        components: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(..., 2, pose_dim) -> (..., 2, 48) axis-angle for MANO. For 'pca': finger_mean (2,45) (the
        network's buffer) + coefficients x components (2,K,45), given on the pose's device."""
        if self.pose_repr == "axis_angle":
            return pose
        if self.pose_repr == "pca":
            fingers = finger_mean + torch.einsum("...hk,hkj->...hj", pose[..., 3:], components.to(pose.dtype))
            return torch.cat((pose[..., :3], fingers), dim=-1)
        aa = rot6d_to_axis_angle(pose.unflatten(-1, (NUM_MANO_ROTATIONS, 6)))
        return aa.flatten(-2)

    def mean_state(self, finger_mean: torch.Tensor) -> torch.Tensor:
        """(2,45) finger mean pose (axis-angle) -> (2, state_dim): zero global rotation, zero shape, MEAN_CAM."""
        if self.pose_repr == "pca":  # the mean hand: zero coefficients (pose_axis_angle adds finger_mean)
            pose = finger_mean.new_zeros(2, self.pose_dim)
        else:
            aa = torch.cat((finger_mean.new_zeros(2, 3), finger_mean), dim=-1)
            pose = aa if self.pose_repr == "axis_angle" else axis_angle_to_rot6d(aa.view(2, -1, 3)).flatten(-2)
        cam = finger_mean.new_tensor(MEAN_CAM).expand(2, CAM_DIM)
        return torch.cat((pose, finger_mean.new_zeros(2, SHAPE_DIM), cam), dim=-1)
