"""Both hands' MANO skinning with everything that is the same on every call computed once.

The maths is smplx's `lbs` (v_shaped = T + S·beta, J = J_regressor·v_shaped, v_posed = v_shaped +
P·(R - I), smplx's `batch_rodrigues` and `batch_rigid_transform` (kinematics.py walks its chain a
tree level at a time), then the weighted blend of the joint transforms). Only the order of the linear
maps and the memory layout differ, for speed (the network calls MANO once per stage, 8 times a step):
- J_regressor·(T + S·beta) = J_regressor·T + (J_regressor·S)·beta: the rest joints are a 10 -> 48
  product per hand instead of a regression over 778 vertices;
- the constants are stored in millimetres (every term is linear in length; rotations have no unit);
- the hand is the batch dimension of every product (hand-major (2, B, ...)), so per-hand matrices are
  never broadcast-copied over the batch;
- vertices are homogeneous and coordinate-major (2, B, 4, V): the per-vertex 3x4 blend runs over
  contiguous rows of 778 vertices instead of 3-wide inner dimensions, with no slicing;
- the pose-corrective term is left out when posedirs is exactly zero (e.g. the generated model), where
  it adds exactly zero.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import torch
from smplx.lbs import batch_rodrigues

from .kinematics import rigid_transform_by_level

METRES_TO_MM = 1000.0
NUM_ROTATIONS = 16
SKINNING_KEYS = ("template", "shapedirs", "joint_template", "joint_shapedirs", "posedirs", "weights")


def skinning_constants(v_template: torch.Tensor, shapedirs: torch.Tensor, posedirs: torch.Tensor,
                       J_regressor: torch.Tensor, lbs_weights: torch.Tensor) -> Dict[str, Optional[torch.Tensor]]:
    """From the layer's buffers (both hands stacked, metres): v_template (2,V,3), shapedirs (2,V,3,K),
    posedirs (2,135,V*3), J_regressor (2,16,V), lbs_weights (2,V,16) -> the tensors `skin` reads."""
    with torch.no_grad():
        hands, v, k = shapedirs.shape[0], shapedirs.shape[1], shapedirs.shape[-1]
        template = v_template * METRES_TO_MM
        dirs = shapedirs * METRES_TO_MM
        joint_template = torch.einsum("hjv,hvc->hjc", J_regressor, template)
        joint_dirs = torch.einsum("hjv,hvck->hkjc", J_regressor, dirs)
        pose_dirs = None
        if bool((posedirs != 0).any()):
            pose_dirs = (posedirs * METRES_TO_MM).view(hands, -1, v, 3).transpose(2, 3)
            pose_dirs = homogeneous(pose_dirs, 0.0).reshape(hands, -1, 4 * v)  # (2,135,4V)
        return {
            "template": homogeneous(template.transpose(1, 2), 1.0).reshape(hands, 1, 4 * v),  # (2,1,4V)
            "shapedirs": homogeneous(dirs.permute(0, 3, 2, 1), 0.0).reshape(hands, k, 4 * v),  # (2,K,4V)
            "joint_template": joint_template.reshape(hands, 1, -1),  # (2,1,48)
            "joint_shapedirs": joint_dirs.reshape(hands, k, -1),  # (2,K,48)
            "posedirs": pose_dirs,  # (2,135,3V) or None when all zero
            "weights": lbs_weights.transpose(1, 2).contiguous(),  # (2,16,V)
        }


def homogeneous(coords: torch.Tensor, value: float) -> torch.Tensor:
    """(..., 3, V) -> (..., 4, V): a 4th coordinate row of `value` (1 for points, 0 for offsets)."""
    return torch.cat((coords, coords.new_full((*coords.shape[:-2], 1, coords.shape[-1]), value)), dim=-2)


def skin(const: Dict[str, Optional[torch.Tensor]], full_pose: torch.Tensor, shape: torch.Tensor,
         parents: Sequence[int]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Hand-major full_pose (2,B,48) axis-angle (global + fingers, hand mean already added) and shape
    (2,B,K) -> vertices (2,B,3,V) coordinate-major and MANO's 16 joints (2,B,16,3), both in mm."""
    hands, batch = full_pose.shape[:2]
    vertices_flat = torch.baddbmm(const["template"], shape, const["shapedirs"])  # (2,B,4V) homogeneous
    rest_joints = torch.baddbmm(const["joint_template"], shape, const["joint_shapedirs"])  # (2,B,48)

    rot = batch_rodrigues(full_pose.reshape(-1, 3)).view(hands * batch, NUM_ROTATIONS, 3, 3)
    if const["posedirs"] is not None:
        eye = torch.eye(3, dtype=rot.dtype, device=rot.device)
        pose_feature = (rot[:, 1:] - eye).view(hands, batch, -1)  # (2,B,135)
        vertices_flat = torch.baddbmm(vertices_flat, pose_feature, const["posedirs"])

    posed_joints, rel_transforms = rigid_transform_by_level(
        rot, rest_joints.view(hands * batch, NUM_ROTATIONS, 3), parents)
    # Blend the 3x4 tops of the joint transforms per vertex: rows (b, r, c) x 16 joints @ (16, V).
    top = rel_transforms[:, :, :3].reshape(hands, batch, NUM_ROTATIONS, 12).transpose(2, 3)
    per_vertex = torch.matmul(top.reshape(hands, batch * 12, NUM_ROTATIONS), const["weights"])
    per_vertex = per_vertex.view(hands, batch, 3, 4, -1)  # (2,B,row,col,V)
    posed = vertices_flat.view(hands, batch, 1, 4, -1)
    vertices = (per_vertex * posed).sum(3)  # (2,B,3,V): [R | t] @ [x y z 1]
    return vertices, posed_joints.view(hands, batch, NUM_ROTATIONS, 3)
