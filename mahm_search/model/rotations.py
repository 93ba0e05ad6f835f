"""Rotation conversions used by the regressors: axis-angle <-> matrix <-> 6D (Zhou et al. 2019).

matrix -> axis-angle goes through a quaternion chosen from the largest of its four candidate components
(the numerically safe branch), so angles near 0 and near pi both stay finite, with finite gradients.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from smplx.lbs import batch_rodrigues


def axis_angle_to_matrix(aa: torch.Tensor) -> torch.Tensor:
    """(..., 3) -> (..., 3, 3) via smplx's Rodrigues (the same formula MANO uses)."""
    return batch_rodrigues(aa.reshape(-1, 3)).reshape(*aa.shape[:-1], 3, 3)


def matrix_to_rot6d(mat: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 6): the first two columns, column-major as in Zhou et al."""
    return mat[..., :2].transpose(-1, -2).reshape(*mat.shape[:-2], 6)


def rot6d_to_matrix(x: torch.Tensor) -> torch.Tensor:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt; any 6-vector maps to a proper rotation."""
    a1, a2 = x[..., :3], x[..., 3:]
    b1 = F.normalize(a1, dim=-1)
    b2 = F.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack((b1, b2, b3), dim=-1)


def _sqrt_positive(x: torch.Tensor) -> torch.Tensor:
    # sqrt with a zero (not infinite) gradient at 0
    out = torch.zeros_like(x)
    pos = x > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, x, torch.ones_like(x))), out)


def matrix_to_quaternion(m: torch.Tensor) -> torch.Tensor:
    """(..., 3, 3) -> (..., 4) as (w, x, y, z), w >= 0."""
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    q_abs = _sqrt_positive(
        torch.stack(
            (1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22), dim=-1
        )
    )
    # Four candidate quaternions, each exact when its own component is the largest.
    cands = torch.stack(
        (
            torch.stack((q_abs[..., 0] ** 2, m21 - m12, m02 - m20, m10 - m01), dim=-1),
            torch.stack((m21 - m12, q_abs[..., 1] ** 2, m10 + m01, m02 + m20), dim=-1),
            torch.stack((m02 - m20, m10 + m01, q_abs[..., 2] ** 2, m12 + m21), dim=-1),
            torch.stack((m10 - m01, m20 + m02, m21 + m12, q_abs[..., 3] ** 2), dim=-1),
        ),
        dim=-2,
    )
    cands = cands / (2.0 * q_abs[..., None].clamp_min(0.1))
    best = q_abs.argmax(dim=-1)
    quat = torch.gather(cands, -2, best[..., None, None].expand(*best.shape, 1, 4)).squeeze(-2)
    return torch.where(quat[..., :1] < 0, -quat, quat)


def quaternion_to_axis_angle(q: torch.Tensor) -> torch.Tensor:
    """(..., 4) (w, x, y, z) -> (..., 3); uses atan2 and a Taylor series for small angles."""
    xyz = q[..., 1:]
    sin_half = xyz.norm(dim=-1, keepdim=True)
    half = torch.atan2(sin_half, q[..., :1])
    angle = 2 * half
    small = angle.abs() < 1e-6
    safe_sin = torch.where(small, torch.ones_like(sin_half), sin_half)
    # angle / sin(angle/2) -> 2 + angle^2 / 24 as angle -> 0
    factor = torch.where(small, 2.0 + angle * angle / 24.0, angle / safe_sin)
    return xyz * factor


def matrix_to_axis_angle(m: torch.Tensor) -> torch.Tensor:
    return quaternion_to_axis_angle(matrix_to_quaternion(m))


def rot6d_to_axis_angle(x: torch.Tensor) -> torch.Tensor:
    return matrix_to_axis_angle(rot6d_to_matrix(x))


def axis_angle_to_rot6d(aa: torch.Tensor) -> torch.Tensor:
    return matrix_to_rot6d(axis_angle_to_matrix(aa))
