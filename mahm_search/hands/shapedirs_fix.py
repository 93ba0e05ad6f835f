"""The left-hand shapedirs fix (smplx issue #48, InterHand2.6M #138).

The official MANO_LEFT file's shape directions have the x-axis sign of the RIGHT hand, so a left hand
with shape beta is not the mirror image of the right hand with the same beta. InterHand2.6M's tools,
InterWild and IntagHand all apply the same test and fix, which we follow exactly.
"""

from __future__ import annotations

import torch

# Sum of |left x - right x| over all vertices and components below this: the left file has the bug.
BUGGY_THRESHOLD = 1.0


def left_shapedirs_need_fix(left_shapedirs: torch.Tensor, right_shapedirs: torch.Tensor) -> bool:
    """shapedirs are (778, 3, n). True when the left x-directions equal the right ones (the bug)."""
    diff = (left_shapedirs[:, 0, :] - right_shapedirs[:, 0, :]).abs().sum()
    return bool(diff < BUGGY_THRESHOLD)


def fix_left_shapedirs(left_shapedirs: torch.Tensor, right_shapedirs: torch.Tensor) -> bool:
    """Negate the left x shape directions in place when they carry the bug; return whether it did."""
    if not left_shapedirs_need_fix(left_shapedirs, right_shapedirs):
        return False
    left_shapedirs[:, 0, :] *= -1
    return True
