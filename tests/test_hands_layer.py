"""TwoHandMANO on the generated model: shapes, units, joint order, smplx equivalence, mirroring, PCA,
the left-hand shapedirs fix, and clear errors for bad folders."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from mahm_search.errors import ManoModelError
from mahm_search.hands.joints import FINGERTIP_VERTICES, JOINT_NAMES, ROOT
from mahm_search.hands.layer import TwoHandMANO, resolve_mano_dir
from mahm_search.hands.generated.mirror import mirror_axis_angle
from mahm_search.hands.model_file import load_mano_layer
from mahm_search.hands.spec import ManoSpec

X_MIRROR = torch.tensor([-1.0, 1.0, 1.0])


@pytest.fixture(scope="module")
def mano_dir(generated_mano_dir):
    return generated_mano_dir


@pytest.fixture(scope="module")
def mano(mano_dir):
    return TwoHandMANO(ManoSpec(dir=mano_dir))


def random_inputs(batch=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    pose = torch.randn(batch, 2, 48, generator=g) * 0.4
    shape = torch.randn(batch, 2, 10, generator=g)
    trans = torch.randn(batch, 2, 3, generator=g) * 100
    return pose, shape, trans


def mirrored_left(pose, shape, trans):
    """Left-hand inputs that should give exactly the mirror image of the right hand."""
    left_pose = torch.as_tensor(mirror_axis_angle(pose[:, 0].numpy()))
    return (torch.stack([pose[:, 0], left_pose], 1), torch.stack([shape[:, 0], shape[:, 0]], 1),
            torch.stack([trans[:, 0], trans[:, 0] * X_MIRROR], 1))


def test_shapes_dtypes_and_buffers(mano):
    out = mano(*random_inputs(batch=2))
    assert out["vertices"].shape == (2, 2, 778, 3) and out["joints"].shape == (2, 2, 21, 3)
    assert out["vertices"].dtype == torch.float32
    assert mano.faces.shape[0] == 2 and mano.faces.dtype == torch.long
    assert mano.hands_mean.shape == (2, 45) and mano.hands_components.shape == (2, 45, 45)
    assert mano.num_vertices == 778


def test_units_are_mm_and_hand_length_plausible(mano):
    flat = TwoHandMANO(ManoSpec(dir=mano.folder, flat_hand_mean=True))
    out = flat(torch.zeros(1, 2, 48), torch.zeros(1, 2, 10))
    joints = out["joints"][0]
    middle_tip = JOINT_NAMES.index("middle4")
    length = (joints[:, middle_tip] - joints[:, ROOT]).norm(dim=-1)
    assert ((length > 150) & (length < 220)).all(), length
    # trans is in mm and moves everything by exactly that amount.
    shifted = flat(torch.zeros(1, 2, 48), torch.zeros(1, 2, 10), torch.full((1, 2, 3), 250.0))
    assert torch.allclose(shifted["vertices"] - out["vertices"], torch.tensor(250.0), atol=1e-3)


def test_joint_order_wrist_is_root_and_tips_are_their_vertices(mano):
    pose, shape, trans = random_inputs()
    out = mano(pose, shape, trans)
    tips = [JOINT_NAMES.index(f + "4") for f in ("thumb", "index", "middle", "ring", "pinky")]
    assert torch.allclose(out["joints"][:, :, tips], out["vertices"][:, :, list(FINGERTIP_VERTICES)])
    # A global rotation turns the hand about its root: the wrist (index 20) stays put.
    pose2 = pose.clone()
    pose2[..., :3] += 0.7
    moved = mano(pose2, shape, trans)
    assert torch.allclose(moved["joints"][:, :, ROOT], out["joints"][:, :, ROOT], atol=1e-3)
    assert not torch.allclose(moved["joints"][:, :, 0], out["joints"][:, :, 0], atol=1.0)


def test_matches_smplx_mano_forward_per_hand(mano):
    pose, shape, trans = random_inputs()
    out = mano(pose, shape, trans)
    for hand, is_right in ((0, True), (1, False)):
        layer = load_mano_layer(mano.folder, is_rhand=is_right, flat_hand_mean=False)
        ref = layer(betas=shape[:, hand], global_orient=pose[:, hand, :3], hand_pose=pose[:, hand, 3:],
                    transl=trans[:, hand] / 1000)
        assert torch.allclose(out["vertices"][:, hand], ref.vertices * 1000, atol=1e-3)
        assert torch.allclose(out["joints"][:, hand, ROOT], ref.joints[:, 0] * 1000, atol=1e-3)


def test_left_hand_is_mirror_of_right_for_mirrored_inputs(mano):
    out = mano(*mirrored_left(*random_inputs()))
    assert torch.allclose(out["vertices"][:, 1], out["vertices"][:, 0] * X_MIRROR, atol=1e-3)
    assert torch.allclose(out["joints"][:, 1], out["joints"][:, 0] * X_MIRROR, atol=1e-3)


def test_pca_path_equals_axis_angle_path(mano):
    pose, shape, _ = random_inputs()
    coeffs = torch.randn(3, 2, 12, generator=torch.Generator().manual_seed(1))
    pca_pose = torch.cat([pose[..., :3], coeffs], -1)
    fingers = torch.einsum("bhn,hnk->bhk", coeffs, mano.hands_components[:, :12])
    aa_pose = torch.cat([pose[..., :3], fingers], -1)
    a, b = mano(pca_pose, shape, pca=True), mano(aa_pose, shape)
    assert torch.allclose(a["vertices"], b["vertices"], atol=1e-4)


def test_gradients_reach_pose_and_shape(mano):
    pose, shape, trans = (t.requires_grad_() for t in random_inputs())
    out = mano(pose, shape, trans)
    (out["vertices"].sum() + out["joints"].sum()).backward()
    assert pose.grad.abs().sum() > 0 and shape.grad.abs().sum() > 0


def make_buggy_left(src, dst):
    """A copy whose left file has the official MANO_LEFT bug: x shape directions equal the right's."""
    shutil.copytree(src, dst)
    right = dict(np.load(dst / "MANO_RIGHT.npz"))
    left = dict(np.load(dst / "MANO_LEFT.npz"))
    left["shapedirs"] = left["shapedirs"].copy()
    left["shapedirs"][:, 0, :] = right["shapedirs"][:, 0, :]
    np.savez(dst / "MANO_LEFT.npz", **left)
    return dst


def test_left_shapedirs_fix_repairs_buggy_left_file(mano_dir, tmp_path):
    """Buggy left file: the fix must apply, making left(beta) the mirror of right(beta) again."""
    buggy = make_buggy_left(mano_dir, tmp_path / "buggy")
    inputs = mirrored_left(*random_inputs())
    fixed = TwoHandMANO(ManoSpec(dir=buggy, fix_left_shapedirs=True))
    assert fixed.left_shapedirs_fixed
    out = fixed(*inputs)
    assert torch.allclose(out["vertices"][:, 1], out["vertices"][:, 0] * X_MIRROR, atol=1e-3)
    unfixed = TwoHandMANO(ManoSpec(dir=buggy, fix_left_shapedirs=False))(*inputs)
    assert not torch.allclose(unfixed["vertices"][:, 1], unfixed["vertices"][:, 0] * X_MIRROR, atol=1.0)


def test_left_shapedirs_fix_leaves_correct_mirrored_model_alone(mano_dir):
    """Correct (mirrored) left file: the fix must NOT apply, and the result is right either way."""
    inputs = mirrored_left(*random_inputs())
    for fix in (True, False):
        layer = TwoHandMANO(ManoSpec(dir=mano_dir, fix_left_shapedirs=fix))
        assert not layer.left_shapedirs_fixed
        out = layer(*inputs)
        assert torch.allclose(out["vertices"][:, 1], out["vertices"][:, 0] * X_MIRROR, atol=1e-3)


def test_missing_folder_names_it(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(ManoModelError, match="nope"):
        TwoHandMANO(ManoSpec(dir=missing))


def test_env_folder_is_used_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("MAHM_MANO_DIR", str(tmp_path / "env_missing"))
    with pytest.raises(ManoModelError, match=r"env_missing.*MAHM_MANO_DIR"):
        resolve_mano_dir(ManoSpec())


def test_folder_without_files_or_with_bad_file_names_the_file(tmp_path, mano_dir):
    with pytest.raises(ManoModelError, match="MANO_RIGHT.npz"):
        TwoHandMANO(ManoSpec(dir=tmp_path))
    shutil.copy(mano_dir / "MANO_RIGHT.npz", tmp_path / "MANO_RIGHT.npz")
    (tmp_path / "MANO_LEFT.npz").write_bytes(b"not a zip")
    with pytest.raises(ManoModelError, match="MANO_LEFT.npz"):
        TwoHandMANO(ManoSpec(dir=tmp_path))
    left = dict(np.load(mano_dir / "MANO_LEFT.npz"))
    del left["J_regressor"]
    np.savez(tmp_path / "MANO_LEFT.npz", **left)
    with pytest.raises(ManoModelError, match=r"MANO_LEFT.npz.*J_regressor"):
        TwoHandMANO(ManoSpec(dir=tmp_path))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(mano):
    inputs = random_inputs()
    cpu = mano(*inputs)
    gpu = TwoHandMANO(ManoSpec(dir=mano.folder)).cuda()(*(t.cuda() for t in inputs))
    assert torch.allclose(gpu["vertices"].cpu(), cpu["vertices"], atol=1e-2)
