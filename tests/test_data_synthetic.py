"""Synthetic renderer: determinism, exact ground truth, caching, and that the hands are really drawn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mahm_search.data.spec import CropSpec, SyntheticSpec
from mahm_search.data.synthetic import SyntheticDataset, render_samples, sample_rng
from mahm_search.data.synthetic_scene import pose_scenes, sample_params
from mahm_search.hands.layer import TwoHandMANO

SIZE = 64


@pytest.fixture(scope="module")
def mano():
    return TwoHandMANO()


def make(mano, tmp_path, **kw):
    crop = kw.pop("crop", CropSpec())
    augment = kw.pop("augment", False)
    spec = SyntheticSpec(n_train=6, n_val=4, cache_dir=tmp_path, **kw)
    return SyntheticDataset(spec, "train", SIZE, mano, crop, augment)


def test_same_seed_same_bytes(mano):
    a = render_samples(mano, 3, "train", 0, 4, SIZE, texture=True, clutter=True)
    assert np.array_equal(a["image"], render_samples(mano, 3, "train", 0, 4, SIZE, texture=True, clutter=True)["image"])
    # sample i depends on (seed, split, i) only; another batch size changes float rounding, not the scene
    b = render_samples(mano, 3, "train", 2, 4, SIZE, texture=True, clutter=True)
    assert (a["image"][2:] == b["image"]).all(-1).mean() > 0.99
    np.testing.assert_allclose(a["joints_3d"][2:], b["joints_3d"], atol=1e-3)
    c = render_samples(mano, 4, "train", 0, 4, SIZE)
    assert not np.array_equal(a["image"], c["image"])


def test_ground_truth_is_consistent(mano):
    r = render_samples(mano, 0, "val", 0, 4, SIZE)
    uvw = np.einsum("nij,nhkj->nhki", r["K"], r["joints_3d"])
    np.testing.assert_allclose(uvw[..., :2] / uvw[..., 2:], r["joints_2d"], atol=1e-2)
    assert (r["joints_2d"] > 0).all() and (r["joints_2d"] < SIZE).all()  # the crop holds both hands
    assert (r["joints_3d"][..., 2] > 100).all()  # in front of the camera, mm
    # mano_pose (camera frame) through MANO reproduces the joints up to each wrist's position
    out = mano(torch.from_numpy(r["mano_pose"]), torch.from_numpy(r["mano_shape"]))
    rel = (out["joints"] - out["joints"][:, :, 20:21]).numpy()
    np.testing.assert_allclose(rel, r["joints_3d"] - r["joints_3d"][:, :, 20:21], atol=1e-2)


def test_hands_touch(mano):
    scenes = pose_scenes(mano, [sample_params(sample_rng(0, "train", i)) for i in range(4)])
    v = torch.from_numpy(scenes.vertices)
    gap = torch.cdist(v[:, 0], v[:, 1]).amin((1, 2))  # closest pair of skin points, mm
    assert (gap < 3).all()


@pytest.mark.parametrize("appearance", ["skin", "glove"])
def test_hands_are_drawn_over_the_background(mano, appearance):
    r = render_samples(mano, 0, "train", 0, 4, SIZE, appearance=appearance)
    for img, j2 in zip(r["image"], r["joints_2d"]):
        background = np.linspace(img[0].astype(int), img[-1].astype(int), SIZE)  # vertical gradient
        drawn = np.abs(img.astype(int) - background).sum(-1) > 30
        assert 0.1 < drawn.mean() < 0.95  # hands cover part of the crop, not all of it
        u, v = np.clip(np.rint(j2[:, 20]).astype(int), 0, SIZE - 1).T  # both wrists lie on hand pixels
        assert drawn[v, u].any()


def test_cache_round_trip_and_sample_dict(mano, tmp_path):
    ds = make(mano, tmp_path)
    s = ds[5]
    assert set(s) >= {"image", "joints_3d", "joints_2d", "mano_pose", "mano_shape", "root_rel", "hand_valid",
                      "joint_valid", "mano_valid", "K"}
    assert s["image"].shape == (3, SIZE, SIZE) and s["image"].dtype == torch.float32
    assert list(tmp_path.glob("shard-*.npz"))
    again = make(mano, tmp_path)[5]  # read back from disk
    assert torch.equal(again["image"], s["image"]) and torch.equal(again["joints_3d"], s["joints_3d"])
    other = make(mano, tmp_path, clutter=True)[5]  # another option -> another shard, not a stale one
    assert not torch.equal(other["image"], s["image"])


def test_augmented_training_sample_stays_consistent(mano, tmp_path):
    torch.manual_seed(0)
    s = make(mano, tmp_path, crop=CropSpec(rotation_deg=45, jitter=0.1, scale_aug=0.2), augment=True)[1]
    uvw = s["joints_3d"] @ s["K"].T
    torch.testing.assert_close(uvw[..., :2] / uvw[..., 2:], s["joints_2d"], atol=1e-2, rtol=0)


def test_glove_colours_fingers_by_segment_and_keeps_the_palm(mano):
    from mahm_search.data.glove import FINGER_HUES, face_joints, glove_colours

    joints = face_joints(mano.lbs_weights[0].numpy(), mano.faces[0].numpy())
    assert set(joints.tolist()) == set(range(16))  # every finger segment and the palm own some faces
    skin = np.array([200.0, 150.0, 120.0])
    colours = glove_colours(joints, skin)
    assert (colours[joints == 0] == skin).all()  # the palm keeps the skin tone
    np.testing.assert_array_equal(colours[joints == 1][0], FINGER_HUES[0])  # index base: the index hue
    brightness = [colours[joints == j].sum(1).mean() for j in (13, 14, 15)]  # thumb base -> tip
    assert brightness[0] < brightness[1] < brightness[2]


def test_glove_changes_the_pixels_not_the_labels(mano, tmp_path):
    skin = render_samples(mano, 0, "train", 0, 2, SIZE, appearance="skin")
    glove = render_samples(mano, 0, "train", 0, 2, SIZE)  # the default
    assert not np.array_equal(skin["image"], glove["image"])
    for key in ("joints_3d", "joints_2d", "mano_pose", "K"):
        np.testing.assert_array_equal(skin[key], glove[key])
    a, b = make(mano, tmp_path, appearance="skin")[0], make(mano, tmp_path)[0]  # one cached shard each
    assert not torch.equal(a["image"], b["image"])


def test_natural_spread_follows_the_pose_prior():
    """'natural' is 1.2 x the generated prior's own spread along each PCA component."""
    from mahm_search.data.synthetic_scene import NATURAL_PCA_STD, PCA_STD
    from mahm_search.hands.generated.generated import MANO_REST_JOINTS
    from mahm_search.hands.generated.pose_prior import pose_pca, sample_poses

    mean, components = pose_pca(MANO_REST_JOINTS)
    measured = ((sample_poses(MANO_REST_JOINTS) - mean) @ components.T).std(axis=0)[: len(NATURAL_PCA_STD)]
    np.testing.assert_allclose(NATURAL_PCA_STD, measured, rtol=0.01)
    np.testing.assert_allclose(PCA_STD["natural"], 1.2 * NATURAL_PCA_STD)
    assert (PCA_STD["wide"][5:] > 1.5 * PCA_STD["natural"][5:]).all()  # 'wide' blows up the minor ones


def test_pose_spread_changes_only_the_finger_pose(mano):
    natural = [sample_params(sample_rng(0, "val", i)) for i in range(64)]
    wide = [sample_params(sample_rng(0, "val", i), "wide") for i in range(64)]
    for a, b in zip(natural, wide):
        for key in a:
            if key != "pca":
                np.testing.assert_array_equal(a[key], b[key])
    ratio = np.std([p["pca"] for p in wide], axis=(0, 1)) / np.std([p["pca"] for p in natural], axis=(0, 1))
    assert ratio[0] < 1 < ratio[-1]  # less curl, more of the minor components


def test_natural_spread_keeps_the_articulation_task(mano):
    """The blind mean pose's PA-MPJPE stays >= 15 mm (the floor that keeps the task from being trivial)."""
    from mahm_search.metrics.metrics import procrustes_align

    params = [sample_params(sample_rng(0, "val", i)) for i in range(384)]
    joints = torch.as_tensor(pose_scenes(mano, params).joints, dtype=torch.float64)
    joints = joints - joints[:, :, :1]  # each hand about its wrist
    mean = joints[:256].mean(0).expand(128, 2, 21, 3).reshape(-1, 21, 3)  # the mean right and left hands
    val = joints[256:].reshape(-1, 21, 3)
    aligned = procrustes_align(mean, val, torch.ones(256, 21, dtype=torch.float64))
    assert 15.0 <= (aligned - val).norm(dim=-1).mean() <= 19.0
