"""Right-hand MANO arrays -> the left hand's, the mirror image through the x = 0 plane.

Mirroring x negates x coordinates and flips triangle winding. A rotation R mirrors to M R M with
M = diag(-1, 1, 1), which for axis-angle is (ax, ay, az) -> (ax, -ay, -az): that is how poses,
hands_mean and hands_components mirror. Pose blend shapes take (R - I) entries, which pick up the
sign m_i * m_j, and give offsets that pick up m_c.
"""

from __future__ import annotations

import numpy as np

POINT_SIGN = np.array([-1.0, 1.0, 1.0])
AXIS_ANGLE_SIGN = np.array([1.0, -1.0, -1.0])


def mirror_axis_angle(pose: np.ndarray) -> np.ndarray:
    """(..., 3k) axis-angle vectors -> their mirror images."""
    shape = pose.shape
    return (pose.reshape(*shape[:-1], -1, 3) * AXIS_ANGLE_SIGN).reshape(shape)


def mirror_model(right: dict) -> dict:
    left = dict(right)
    left["v_template"] = right["v_template"] * POINT_SIGN
    left["J"] = right["J"] * POINT_SIGN
    left["shapedirs"] = right["shapedirs"] * POINT_SIGN[None, :, None]
    entry_sign = np.outer(POINT_SIGN, POINT_SIGN).reshape(9)  # sign of (R - I)[i, j]
    feature_sign = np.tile(entry_sign, right["posedirs"].shape[2] // 9)
    left["posedirs"] = right["posedirs"] * POINT_SIGN[None, :, None] * feature_sign[None, None, :]
    left["f"] = right["f"][:, [0, 2, 1]]
    left["hands_mean"] = mirror_axis_angle(right["hands_mean"])
    left["hands_components"] = mirror_axis_angle(right["hands_components"])
    return left
