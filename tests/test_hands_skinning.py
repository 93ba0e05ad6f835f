"""The fast skinning (hands/skinning.py) against smplx's own MANO layer: with non-zero pose correctives
(the generated model has none, real MANO files do), in values and in gradients, and after
load_state_dict swaps the model buffers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mahm_search.hands.joints import ROOT
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
    """Both hands through smplx.MANO.forward: vertices (B,2,778,3) and wrist (B,2,3), mm."""
    verts, wrists = [], []
    for hand, is_right in ((0, True), (1, False)):
        layer = load_mano_layer(folder, is_rhand=is_right, flat_hand_mean=False)
        out = layer(betas=shape[:, hand], global_orient=pose[:, hand, :3], hand_pose=pose[:, hand, 3:],
                    transl=trans[:, hand] / 1000)
        verts.append(out.vertices * 1000)
        wrists.append(out.joints[:, 0] * 1000)
    return torch.stack(verts, 1), torch.stack(wrists, 1)


def test_pose_correctives_are_used_and_match_smplx(posedirs_dir, plain_dir):
    layer = TwoHandMANO(ManoSpec(dir=posedirs_dir))
    assert layer.skin_posedirs is not None
    assert TwoHandMANO(ManoSpec(dir=plain_dir)).skin_posedirs is None  # all-zero posedirs: term skipped
    pose, shape, trans = inputs()
    out = layer(pose, shape, trans)
    ref_verts, ref_wrist = smplx_reference(posedirs_dir, pose, shape, trans)
    assert torch.allclose(out["vertices"], ref_verts, atol=1e-3)
    assert torch.allclose(out["joints"][:, :, ROOT], ref_wrist, atol=1e-3)
    assert out["vertices"].is_contiguous() and out["joints"].is_contiguous()


def test_gradients_match_smplx(posedirs_dir):
    layer = TwoHandMANO(ManoSpec(dir=posedirs_dir))
    weights = torch.randn(4, 2, 778, 3, generator=torch.Generator().manual_seed(2))
    grads = []
    for run in ("ours", "smplx"):
        pose, shape, trans = (t.clone().requires_grad_() for t in inputs())
        verts = layer(pose, shape, trans)["vertices"] if run == "ours" else smplx_reference(posedirs_dir, pose, shape, trans)[0]
        (verts * weights).sum().backward()
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


def test_level_wise_chain_equals_smplx_batch_rigid_transform():
    """kinematics.py composes the chain a tree level at a time; outputs and gradients are smplx's."""
    from smplx.lbs import batch_rigid_transform, batch_rodrigues

    from mahm_search.hands.kinematics import chain_levels, rigid_transform_by_level

    parents = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14]
    assert chain_levels(tuple(parents)) == ((0,), (1, 4, 7, 10, 13), (2, 5, 8, 11, 14), (3, 6, 9, 12, 15))
    torch.manual_seed(0)
    pose = torch.randn(6 * 16, 3, dtype=torch.float64, requires_grad=True)
    joints = torch.randn(6, 16, 3, dtype=torch.float64, requires_grad=True)
    results = []
    for fn in (lambda r, j: batch_rigid_transform(r, j, torch.tensor(parents), dtype=r.dtype),
               lambda r, j: rigid_transform_by_level(r, j, parents)):
        posed, rel = fn(batch_rodrigues(pose).view(6, 16, 3, 3), joints)
        grads = torch.autograd.grad((posed ** 2).sum() + rel.sum(), (pose, joints))
        results.append((posed, rel, *grads))
    for ours, theirs in zip(results[1], results[0]):
        torch.testing.assert_close(ours, theirs)


def test_chain_levels_rejects_a_parent_after_its_child():
    from mahm_search.hands.kinematics import chain_levels

    with pytest.raises(ValueError, match="joint 1's parent 2"):
        chain_levels((-1, 2, 0))
