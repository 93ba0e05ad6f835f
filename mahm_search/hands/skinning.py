"""Both hands' MANO skinning with everything that is the same on every call computed once.

The maths is smplx's `lbs` (v_shaped = T + S·beta, J = J_regressor·v_shaped, v_posed = v_shaped +
P·(R - I), smplx's `batch_rodrigues` and `batch_rigid_transform` (kinematics.py walks its chain a
tree level at a time), then the weighted blend of the joint transforms). Only the order of the linear
maps and the memory layout differ, for speed: the network calls MANO once per stage, 8 times a step,
on tiny tensors, so the cost is the number of kernels (forward and backward), not arithmetic.
- J_regressor·(T + S·beta) = J_regressor·T + (J_regressor·S)·beta: the rest joints, and each joint's
  offset from its parent, are a 10 -> 64 and a 10 -> 256 product per hand instead of a regression
  over 778 vertices;
- the constants are stored in millimetres (every term is linear in length; rotations have no unit);
- the hand is the batch dimension of every product with per-hand constants (hand-major (2, B, ...)),
  so per-hand matrices are never broadcast-copied over the batch;
- Rodrigues builds 4x4 local transforms directly: the cross-product matrix K of the unit axis is one
  product with a constant 3 -> 16 map (its entries are +-axis components and zeros, so it is exact),
  the bottom row (0 0 0 1) comes from the identity in I + sin K + (1 - cos) K², and each joint's
  offset from its parent is added into the last column by the shape product;
- vertices are homogeneous and coordinate-major (2, B, 4, V), transforms joint-last (2, B, 3, 4, J):
  the per-vertex 3x4 blend is one product over the 16 joints, the chain needs no gathers;
- the pose-corrective term is left out when posedirs is exactly zero (e.g. the generated model), where
  it adds exactly zero.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import torch

from .kinematics import ChainPlan, compose_chain, level_order, relative_transforms

METRES_TO_MM = 1000.0
SKINNING_KEYS = ("template", "shapedirs", "joint_template", "joint_shapedirs", "local_base", "local_shapedirs",
                 "cross_matrix", "last_column", "posedirs", "weights")
ANGLE_EPS = 1e-8  # smplx's batch_rodrigues: |axis-angle + 1e-8| is the angle


def cross_matrix_map(dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(3, 16): a unit axis (x, y, z) @ this = its cross-product matrix K (smplx's), padded to 4x4
    with zeros and flattened row-major: K = [[0, -z, y], [z, 0, -x], [-y, x, 0]]."""
    entries = {(0, 1): (2, -1.0), (0, 2): (1, 1.0), (1, 0): (2, 1.0), (1, 2): (0, -1.0), (2, 0): (1, -1.0),
               (2, 1): (0, 1.0)}
    out = torch.zeros(3, 16, dtype=dtype)
    for (row, col), (axis, sign) in entries.items():
        out[axis, 4 * row + col] = sign
    return out


def skinning_constants(v_template: torch.Tensor, shapedirs: torch.Tensor, posedirs: torch.Tensor,
                       J_regressor: torch.Tensor, lbs_weights: torch.Tensor, parents: Sequence[int]
                       ) -> Dict[str, Optional[torch.Tensor]]:
    """From the layer's buffers (both hands stacked, metres): v_template (2,V,3), shapedirs (2,V,3,K),
    posedirs (2,135,V*3), J_regressor (2,16,V), lbs_weights (2,V,16), and the kinematic tree's
    parents -> the tensors `skin` reads."""
    with torch.no_grad():
        hands, v, k = shapedirs.shape[0], shapedirs.shape[1], shapedirs.shape[-1]
        j = J_regressor.shape[1]
        order = list(level_order(parents))
        parent = [max(int(p), 0) for p in parents]
        template = v_template * METRES_TO_MM
        dirs = shapedirs * METRES_TO_MM
        joint_template = torch.einsum("hjv,hvc->hjc", J_regressor, template)  # (2,J,3)
        joint_dirs = torch.einsum("hjv,hvck->hkjc", J_regressor, dirs)  # (2,K,J,3)
        # each joint's offset from its parent (the root's from the origin): the local translation
        offset_template = joint_template - joint_template[:, parent] * (torch.arange(j) > 0)[:, None]
        offset_dirs = joint_dirs - joint_dirs[:, :, parent] * (torch.arange(j) > 0)[:, None]
        local_base = torch.eye(4, dtype=template.dtype).repeat(hands, j, 1, 1)  # (2,J,4,4)
        local_base[..., :3, 3] = offset_template
        local_dirs = template.new_zeros(hands, k, j, 4, 4)
        local_dirs[..., :3, 3] = offset_dirs
        pose_dirs = None
        if bool((posedirs != 0).any()):
            # rows: (R - I) entries of joints 1.. in 4x4 places (zero rows elsewhere); columns: (coord, vertex)
            per_entry = (posedirs * METRES_TO_MM).view(hands, j - 1, 3, 3, v, 3).permute(0, 1, 2, 3, 5, 4)
            pose_dirs = template.new_zeros(hands, j - 1, 4, 4, 4, v)
            pose_dirs[:, :, :3, :3, :3] = per_entry
            pose_dirs = pose_dirs.reshape(hands, (j - 1) * 16, 4 * v)
        return {
            "template": homogeneous(template.transpose(1, 2), 1.0).reshape(hands, 1, 4 * v),  # (2,1,4V)
            "shapedirs": homogeneous(dirs.permute(0, 3, 2, 1), 0.0).reshape(hands, k, 4 * v),  # (2,K,4V)
            # rest joints, homogeneous with 0 (R·j has no translation part), (coord, joint in level order)
            "joint_template": homogeneous(joint_template[:, order].transpose(1, 2), 0.0).reshape(hands, 1, 4 * j),
            "joint_shapedirs": homogeneous(joint_dirs[:, :, order].transpose(2, 3), 0.0).reshape(hands, k, 4 * j),
            "local_base": local_base.reshape(hands, j, 16),  # (2,J,16): I and the offsets of the mean shape
            "local_shapedirs": local_dirs.reshape(hands, k, j * 16),  # (2,K,16J)
            "cross_matrix": cross_matrix_map(template.dtype),  # (3,16)
            "last_column": torch.tensor([0.0, 0.0, 0.0, 1.0], dtype=template.dtype).unsqueeze(-1),  # (4,1)
            "posedirs": pose_dirs,  # (2,16(J-1),4V) or None when all zero
            "weights": lbs_weights[:, :, order].transpose(1, 2).contiguous(),  # (2,J,V), level order
        }


def homogeneous(coords: torch.Tensor, value: float) -> torch.Tensor:
    """(..., 3, V) -> (..., 4, V): a 4th coordinate row of `value` (1 for points, 0 for offsets)."""
    return torch.cat((coords, coords.new_full((*coords.shape[:-2], 1, coords.shape[-1]), value)), dim=-2)


def rodrigues_local(const: Dict[str, Optional[torch.Tensor]], full_pose: torch.Tensor) -> torch.Tensor:
    """full_pose (B,2,3J) axis-angle -> rotations as 4x4 (B,2,J,16) plus the mean shape's offsets in
    their last column (const local_base). smplx's batch_rodrigues: R = I + sin(a) K + (1 - cos(a)) K²,
    a = |r + 1e-8|, K from r / a."""
    b = full_pose.shape[0]
    rot_vecs = full_pose.reshape(b, 2, -1, 3)
    angle = torch.linalg.vector_norm(rot_vecs + ANGLE_EPS, dim=-1, keepdim=True)  # (B,2,J,1)
    axis = rot_vecs / angle
    k = torch.mm(axis.reshape(-1, 3), const["cross_matrix"])  # (B*2*J, 16)
    k44 = k.view(-1, 4, 4)
    k2 = torch.bmm(k44, k44).view(b, 2, -1, 16)
    return torch.addcmul(torch.addcmul(const["local_base"], torch.sin(angle), k.view(b, 2, -1, 16)),
                         1 - torch.cos(angle), k2)


def skin(const: Dict[str, Optional[torch.Tensor]], full_pose: torch.Tensor, shape: torch.Tensor,
         plan: ChainPlan) -> Tuple[torch.Tensor, torch.Tensor]:
    """full_pose (B,2,48) axis-angle (global + fingers, hand mean already added) and shape (B,2,K)
    -> vertices (2,B,3,V) and MANO's 16 joints (2,B,3,16) in kinematics.level_order, hand-major,
    coordinate-major, in mm."""
    b = full_pose.shape[0]
    shape = shape.transpose(0, 1)  # hand-major: the hand is the batch of the per-hand products
    vertices_flat = torch.baddbmm(const["template"], shape, const["shapedirs"])  # (2,B,4V) homogeneous
    rest_joints = torch.baddbmm(const["joint_template"], shape, const["joint_shapedirs"]).view(2, b, 1, 4, -1)

    rot = rodrigues_local(const, full_pose)  # (B,2,J,16)
    if const["posedirs"] is not None:
        pose_feature = (rot - const["local_base"])[:, :, 1:].reshape(b, 2, -1).transpose(0, 1)  # (2,B,16(J-1))
        vertices_flat = torch.baddbmm(vertices_flat, pose_feature, const["posedirs"])
    local = torch.baddbmm(rot.view(b, 2, -1).transpose(0, 1), shape, const["local_shapedirs"])  # (2,B,16J)
    local = local.view(2, b, -1, 4, 4).permute(0, 1, 3, 4, 2)  # (2,B,4,4,J) joint-last
    world = compose_chain(local, plan)  # (2,B,3,4,J), level order
    rel = relative_transforms(world, rest_joints, const["last_column"])
    # Blend the 3x4 transforms per vertex: rows (b, r, c) x J joints @ (J, V), then [R | t] @ [x y z 1].
    per_vertex = torch.bmm(rel.view(2, b * 12, -1), const["weights"]).view(2, b, 3, 4, -1)
    vertices = (per_vertex * vertices_flat.view(2, b, 1, 4, -1)).sum(3)  # (2,B,3,V)
    return vertices, world[..., 3, :]
