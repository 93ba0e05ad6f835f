"""smplx's `batch_rigid_transform`, with the kinematic chain walked one tree level at a time.

smplx composes the 4x4 joint transforms one joint after another: 15 matrix products for a MANO hand,
each a separate small kernel forward and two backward. All joints of one depth share no dependency,
so they compose in one batched product: MANO's tree (wrist -> 5 fingers x 3 joints) takes 3 products.

The transforms are stored joint-last, (..., 4, 4, J): a tree level of MANO is then a strided slice
(joints 1, 4, 7, 10, 13 = [..., 1::3]) and its parents the previous level as it is (or the wrist,
broadcast), so the walk needs no gather (index ops cost a kernel forward and three backward). A level's
product is a broadcast multiply and a sum over the shared axis. The maths is smplx's
(tests/test_hands_skinning.py compares values and gradients).
"""

from __future__ import annotations

from typing import List, Sequence, Tuple, Union

import torch

Selector = Union[slice, List[int]]
# Per level: (its joints, in the layer's joint order; their parents' positions within the previous level)
ChainPlan = Tuple[Tuple[Selector, Selector], ...]


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


def level_order(parents: Sequence[int]) -> Tuple[int, ...]:
    """The joints in the order `compose_chain` returns them: level by level, root first."""
    return tuple(j for level in chain_levels(tuple(int(p) for p in parents)) for j in level)


def _selector(indices: Sequence[int]) -> Selector:
    """A slice when the indices are evenly spaced (a view), else the list (a gather)."""
    indices = list(indices)
    if len(set(indices)) == 1:
        return slice(indices[0], indices[0] + 1)  # one parent for the whole level: broadcast
    step = indices[1] - indices[0]
    if step > 0 and all(b - a == step for a, b in zip(indices, indices[1:])):
        return slice(indices[0], indices[-1] + 1, step)
    return indices


def chain_plan(parents: Sequence[int]) -> ChainPlan:
    """How `compose_chain` walks the tree of `parents` (smplx's kintree parents, root first)."""
    levels = chain_levels(tuple(int(p) for p in parents))
    plan = [(_selector(levels[0]), slice(None))]
    for above, level in zip(levels, levels[1:]):
        rows = [above.index(parents[j]) for j in level]
        # the whole level above, in order, or its only joint (broadcast): no indexing at all
        whole = len(above) == 1 or rows == list(range(len(above)))
        plan.append((_selector(level), slice(None) if whole else _selector(rows)))
    return tuple(plan)


def compose_chain(local: torch.Tensor, plan: ChainPlan) -> torch.Tensor:
    """Joint-last local transforms (..., 4, 4, J) -> the top 3 rows of the world transforms
    (..., 3, 4, J), joints in `level_order` (the bottom row of an affine transform is 0 0 0 1)."""
    world = [local[..., :3, :, plan[0][0]]]
    for joints, parents in plan[1:]:
        parent = world[-1] if parents == slice(None) else world[-1][..., parents]
        # parent (..., r, m, 1, j) * local (..., 1, m, c, j), summed over m: parent @ local per joint
        world.append((parent.unsqueeze(-2) * local[..., joints].unsqueeze(-4)).sum(-3))
    return torch.cat(world, dim=-1)


def relative_transforms(world: torch.Tensor, rest_joints: torch.Tensor, last_column: torch.Tensor
                        ) -> torch.Tensor:
    """World transforms (..., 3, 4, J) and rest joints (..., 1, 4, J) (homogeneous with 0, so that
    the product below is R·j) -> the transforms relative to the rest pose, [R | t - R·j], as
    smplx.lbs.batch_rigid_transform's second output. last_column: (4, 1) = (0, 0, 0, 1), a buffer
    (a tensor made here would be a host-to-device copy on every call)."""
    rotated = (world * rest_joints).sum(-2, keepdim=True)  # (..., 3, 1, J): R·j
    return torch.addcmul(world, rotated, last_column, value=-1.0)
