"""smplx's `batch_rigid_transform`, with the kinematic chain walked one tree level at a time.

smplx composes the 4x4 joint transforms one joint after another: 15 matrix products for a MANO hand,
each a separate small kernel forward and two backward. All joints of one depth share no dependency,
so they compose in one batched product: MANO's tree (wrist -> 5 fingers x 3 joints) takes 3 products.
The maths and the outputs are smplx's (tests/test_hands_skinning.py compares them).
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from smplx.lbs import transform_mat


_LEVELS: dict = {}  # parents -> chain_levels(parents); a plain dict, which torch.compile reads as is


def chain_levels(parents: Tuple[int, ...]) -> Tuple[Tuple[int, ...], ...]:
    """Joints grouped by depth, root first: ((0,), (1, 4, 7, 10, 13), (2, 5, ...), ...) for MANO.
    Every joint's parent must come before it (smplx's order)."""
    depth: List[int] = []
    for joint, parent in enumerate(parents):
        if joint == 0 or parent < 0:
            depth.append(0)
        elif parent >= joint:
            raise ValueError(f"kinematic tree: joint {joint}'s parent {parent} does not come before it")
        else:
            depth.append(depth[parent] + 1)
    return tuple(tuple(j for j, d in enumerate(depth) if d == level) for level in range(max(depth) + 1))


def rigid_transform_by_level(rot_mats: torch.Tensor, joints: torch.Tensor, parents: Sequence[int]
                             ) -> Tuple[torch.Tensor, torch.Tensor]:
    """rot_mats (N,J,3,3), rest joints (N,J,3), parents (J,) -> posed joints (N,J,3) and the joint
    transforms relative to the rest pose (N,J,4,4), as smplx.lbs.batch_rigid_transform returns them."""
    parents = tuple(int(p) for p in parents)
    levels = _LEVELS.get(parents)
    if levels is None:
        levels = _LEVELS[parents] = chain_levels(parents)
    joints = joints.unsqueeze(-1)
    parent_joints = joints[:, [max(p, 0) for p in parents]]
    rel_joints = torch.cat((joints[:, :1], joints[:, 1:] - parent_joints[:, 1:]), dim=1)
    local = transform_mat(rot_mats.reshape(-1, 3, 3), rel_joints.reshape(-1, 3, 1))
    local = local.reshape(-1, joints.shape[1], 4, 4)

    # world[d] holds depth d's joints in `levels` order; row[j] is joint j's row within its level,
    # and a joint's parent always sits one level up
    world = [local[:, list(levels[0])]]
    row = {joint: i for level in levels for i, joint in enumerate(level)}
    for depth, level in enumerate(levels[1:], start=1):
        parent_rows = [row[parents[j]] for j in level]
        world.append(torch.matmul(world[depth - 1][:, parent_rows], local[:, list(level)]))
    order = [j for level in levels for j in level]
    position = {joint: k for k, joint in enumerate(order)}
    transforms = torch.cat(world, dim=1)[:, [position[j] for j in range(len(parents))]]

    posed_joints = transforms[:, :, :3, 3]
    joints_homogen = F.pad(joints, [0, 0, 0, 1])
    rel_transforms = transforms - F.pad(torch.matmul(transforms, joints_homogen), [3, 0, 0, 0, 0, 0, 0, 0])
    return posed_joints, rel_transforms
