"""The fast skinning (hands/skinning.py) against smplx's own MANO layer: with non-zero pose correctives
(the generated model has none, real MANO files do), in values and in gradients, and after
load_state_dict swaps the model buffers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mahm_search.hands.joints import FINGERTIP_VERTICES, MANO_TO_INTERHAND
from mahm_search.hands.layer import TwoHandMANO
from mahm_search.hands.model_file import load_mano_layer
from mahm_search.hands.spec import ManoSpec


@pytest.fixture(scope="module")
def plain_dir(generated_mano_dir):
    return generated_mano_dir


@pytest.fixture(scope="module")
def posedirs_dir(plain_dir, tmp_path_factory):
    """The generated model with random pose-corrective blend shapes (a few mm), as real MANO has."""
    folder = tmp_path_factory.mktemp("mano_posedirs")
    rng = np.random.default_rng(0)
    for name in ("MANO_RIGHT.npz", "MANO_LEFT.npz"):
        data = dict(np.load(plain_dir / name))
        data["posedirs"] = (rng.standard_normal(data["posedirs"].shape) * 3e-3).astype(np.float32)
        np.savez(folder / name, **data)
    return folder


def inputs(batch=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 2, 48, generator=g) * 0.5, torch.randn(batch, 2, 10, generator=g),
            torch.randn(batch, 2, 3, generator=g) * 100)


def smplx_reference(folder, pose, shape, trans):
    """Both hands through smplx.MANO.forward: vertices (B,2,778,3) and the 21 joints (B,2,21,3) in
    InterHand order (smplx's 16 joints and our fingertip vertices), mm."""
    verts, joints = [], []
    for hand, is_right in ((0, True), (1, False)):
        layer = load_mano_layer(folder, is_rhand=is_right, flat_hand_mean=False)
        out = layer(betas=shape[:, hand], global_orient=pose[:, hand, :3], hand_pose=pose[:, hand, 3:],
                    transl=trans[:, hand] / 1000)
        verts.append(out.vertices * 1000)
        mano_order = torch.cat((out.joints[:, :16], out.vertices[:, list(FINGERTIP_VERTICES)]), 1) * 1000
        joints.append(mano_order[:, list(MANO_TO_INTERHAND)])
    return torch.stack(verts, 1), torch.stack(joints, 1)


def test_pose_correctives_are_used_and_match_smplx(posedirs_dir, plain_dir):
    layer = TwoHandMANO(ManoSpec(dir=posedirs_dir))
    assert layer.skin_posedirs is not None
    assert TwoHandMANO(ManoSpec(dir=plain_dir)).skin_posedirs is None  # all-zero posedirs: term skipped
    pose, shape, trans = inputs()
    out = layer(pose, shape, trans)
    ref_verts, ref_joints = smplx_reference(posedirs_dir, pose, shape, trans)
    assert torch.allclose(out["vertices"], ref_verts, atol=1e-3)
    assert torch.allclose(out["joints"], ref_joints, atol=1e-3)
    assert out["vertices"].is_contiguous() and out["joints"].is_contiguous()


def test_gradients_match_smplx(posedirs_dir):
    layer = TwoHandMANO(ManoSpec(dir=posedirs_dir))
    g = torch.Generator().manual_seed(2)
    weights, joint_weights = torch.randn(4, 2, 778, 3, generator=g), torch.randn(4, 2, 21, 3, generator=g)
    grads = []
    for run in ("ours", "smplx"):
        pose, shape, trans = (t.clone().requires_grad_() for t in inputs())
        if run == "ours":
            out = layer(pose, shape, trans)
            verts, joints = out["vertices"], out["joints"]
        else:
            verts, joints = smplx_reference(posedirs_dir, pose, shape, trans)
        ((verts * weights).sum() + (joints * joint_weights).sum()).backward()
        grads.append((pose.grad, shape.grad, trans.grad))
    for ours, ref in zip(*grads):
        assert torch.allclose(ours, ref, rtol=1e-3, atol=1e-2)


def test_load_state_dict_refreshes_the_precomputed_constants(posedirs_dir, plain_dir):
    target = TwoHandMANO(ManoSpec(dir=posedirs_dir))
    layer = TwoHandMANO(ManoSpec(dir=plain_dir))
    layer.load_state_dict(target.state_dict())
    pose, shape, trans = inputs()
    assert torch.allclose(layer(pose, shape, trans)["vertices"], target(pose, shape, trans)["vertices"], atol=1e-4)
    assert "skin_template" not in layer.state_dict()  # derived: never saved in checkpoints


MANO_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14)


@pytest.mark.parametrize("parents", [MANO_PARENTS, (-1, 0, 0, 1, 2, 1, 3)], ids=["mano", "irregular"])
def test_level_wise_chain_equals_smplx_batch_rigid_transform(parents):
    """kinematics.py composes the chain a tree level at a time, joint-last; outputs and gradients are
    smplx's. MANO's tree walks by slices alone; an irregular one needs gathers."""
    from smplx.lbs import batch_rigid_transform, batch_rodrigues, transform_mat

    from mahm_search.hands.kinematics import chain_plan, compose_chain, level_order, relative_transforms

    n, j = 6, len(parents)
    order = list(level_order(parents))
    torch.manual_seed(0)
    pose = torch.randn(n * j, 3, dtype=torch.float64, requires_grad=True)
    joints = torch.randn(n, j, 3, dtype=torch.float64, requires_grad=True)

    def ours(rot, rest):
        rel_joints = rest - rest[:, [max(p, 0) for p in parents]] * (torch.arange(j) > 0)[:, None]
        local = transform_mat(rot.reshape(-1, 3, 3), rel_joints.reshape(-1, 3, 1)).view(n, j, 4, 4)
        world = compose_chain(local.permute(0, 2, 3, 1), chain_plan(parents))  # (n,3,4,J) level order
        rest_h = torch.cat((rest, rest.new_zeros(n, j, 1)), -1)[:, order].transpose(1, 2).unsqueeze(1)
        last_column = torch.tensor([0.0, 0.0, 0.0, 1.0], dtype=rest.dtype).unsqueeze(-1)
        rel = relative_transforms(world, rest_h, last_column)
        return world[:, :, 3].transpose(1, 2), rel.permute(0, 3, 1, 2)

    def smplx(rot, rest):
        posed, rel = batch_rigid_transform(rot, rest, torch.tensor(parents), dtype=rot.dtype)
        return posed[:, order], rel[:, order, :3]

    results = []
    for fn in (smplx, ours):
        posed, rel = fn(batch_rodrigues(pose).view(n, j, 3, 3), joints)
        grads = torch.autograd.grad((posed ** 2).sum() + (rel * torch.arange(12.0).view(3, 4)).sum(), (pose, joints))
        results.append((posed, rel, *grads))
    for theirs, mine in zip(*results):
        torch.testing.assert_close(mine, theirs)


def test_mano_chain_needs_no_gather():
    from mahm_search.hands.kinematics import chain_levels, chain_plan

    assert chain_levels(MANO_PARENTS) == ((0,), (1, 4, 7, 10, 13), (2, 5, 8, 11, 14), (3, 6, 9, 12, 15))
    plan = chain_plan(MANO_PARENTS)
    assert plan == ((slice(0, 1), slice(None)), (slice(1, 14, 3), slice(None)), (slice(2, 15, 3), slice(None)),
                    (slice(3, 16, 3), slice(None)))


def test_chain_levels_rejects_a_parent_after_its_child():
    from mahm_search.hands.kinematics import chain_levels

    with pytest.raises(ValueError, match="joint 1's parent 2"):
        chain_levels((-1, 2, 0))
