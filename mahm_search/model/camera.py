"""Weak-perspective camera and the unit conventions of the regressors.

Convention (one per hand, cam = (s, tx, ty)):
    uv_norm = s * (X[..., :2] / JOINT_SCALE_MM) + (tx, ty)      X: root-relative joints in mm
    pixel   = (uv_norm + 1) / 2 * input_size                    crop pixels, (0, 0) = top-left corner
so (tx, ty) is where the hand's wrist lands in [-1, 1] crop coordinates and s is the size of
JOINT_SCALE_MM of hand in half-crops. The mean camera s = 0.8 draws a ~180 mm hand over ~0.7 of a
half-crop: about what a two-hand crop holds.
"""

from __future__ import annotations

import torch

JOINT_SCALE_MM = 200.0  # root-relative hand joints / this ~ unit range (a hand is ~180 mm long)
ROOT_REL_SCALE_MM = 100.0  # the root_rel head predicts in units of 10 cm
MEAN_CAM = (0.8, 0.0, 0.0)


def project_weak_perspective(points_mm: torch.Tensor, cam: torch.Tensor, input_size: int) -> torch.Tensor:
    """points_mm (B,2,N,3) root-relative, cam (B,2,3) -> (B,2,N,2) crop pixels."""
    s, t = cam[..., :1, None], cam[..., None, 1:]
    uv_norm = s * (points_mm[..., :2] / JOINT_SCALE_MM) + t
    return (uv_norm + 1.0) * (0.5 * input_size)
