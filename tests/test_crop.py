"""Crop / letterbox / augmentation keep image, 2D joints, K and 3D joints consistent."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mahm_search.data.crop import crop_sample, hands_box
from mahm_search.data.spec import CropSpec


def raw_sample(fx=500.0, fy=500.0):
    """A 200x300 frame, a bright dot at each right-hand joint; joints_2d projected from joints_3d with K."""
    rng = np.random.default_rng(0)
    K = np.array([[fx, 0, 140.0], [0, fy, 110.0], [0, 0, 1]])
    j3 = rng.normal(0, 25, (2, 21, 3)) + [0, 0, 600.0]
    j3[1] += [60, 0, 0]
    uv = j3 @ K.T
    j2 = (uv[..., :2] / uv[..., 2:]).astype(np.float32)
    img = np.zeros((200, 300, 3), np.uint8)
    cv2.circle(img, (int(round(j2[0, 0, 0])), int(round(j2[0, 0, 1]))), 8, (255, 255, 255), -1)
    rot, _ = cv2.Rodrigues(np.array([0.2, 0.5, -0.1]))
    pose = np.zeros((2, 48), np.float32)
    pose[:, :3] = cv2.Rodrigues(rot)[0].ravel()
    return {"image": img, "joints_3d": j3.astype(np.float32), "joints_2d": j2, "K": K,
            "joint_valid": np.ones((2, 21), np.float32), "mano_valid": np.ones(2, np.float32),
            "mano_pose": pose, "mano_shape": np.zeros((2, 10), np.float32), "hand_valid": np.ones(2, np.float32)}


def reprojection_error(s):
    uv = s["joints_3d"] @ s["K"].T
    return np.abs(uv[..., :2] / uv[..., 2:] - s["joints_2d"]).max()


def dot_position(image):
    ys, xs = np.nonzero(image[..., 0] > 60)
    return np.array([xs.mean(), ys.mean()])


def test_box_is_square_around_valid_joints():
    j2 = np.array([[[10, 20], [30, 60]], [[500, 500], [20, 30]]], np.float32)
    valid = np.array([[1, 1], [0, 1]])
    center, side = hands_box(j2, valid, (640, 480), scale=1.5)
    np.testing.assert_allclose(center, [20, 40])
    assert side == pytest.approx(60.0)


@pytest.mark.parametrize("spec", [CropSpec(), CropSpec(enabled=False), CropSpec(scale=2.0)])
def test_crop_and_letterbox_keep_geometry(spec):
    raw = raw_sample()
    s = crop_sample(raw, spec, 64)
    assert s["image"].shape == (64, 64, 3)
    assert reprojection_error(s) < 1e-3
    assert np.allclose(s["K"][[0, 1, 2, 2], [1, 0, 0, 1]], 0, atol=1e-6)  # still a plain pinhole K
    np.testing.assert_allclose(dot_position(s["image"]), s["joints_2d"][0, 0], atol=1.0)
    if spec.enabled:  # every joint inside the crop
        assert s["joints_2d"].min() > 0 and s["joints_2d"].max() < 64
    else:  # letterbox: 300 px wide frame -> 64 px, so scale 64/300
        assert s["K"][0, 0] == pytest.approx(500 * 64 / 300)


def test_rotation_augmentation_rotates_3d_and_global_pose_consistently():
    raw = raw_sample()
    spec = CropSpec(rotation_deg=60, jitter=0.1, scale_aug=0.2)
    for seed in range(5):
        s = crop_sample(raw, spec, 64, np.random.default_rng(seed))
        assert reprojection_error(s) < 1e-3
        np.testing.assert_allclose(dot_position(s["image"]), s["joints_2d"][0, 0], atol=1.0)
        # the 3D rotation that moved the joints also moved MANO's global orientation
        rz = np.linalg.lstsq(raw["joints_3d"].reshape(-1, 3), s["joints_3d"].reshape(-1, 3), rcond=None)[0].T
        before = cv2.Rodrigues(raw["mano_pose"][0, :3].astype(np.float64))[0]
        after = cv2.Rodrigues(s["mano_pose"][0, :3].astype(np.float64))[0]
        np.testing.assert_allclose(after, rz @ before, atol=1e-4)
        np.testing.assert_allclose(np.linalg.norm(s["joints_3d"], axis=-1), np.linalg.norm(raw["joints_3d"], axis=-1),
                                   rtol=1e-5)


def test_unequal_focal_stays_exact():
    s = crop_sample(raw_sample(fx=500, fy=540), CropSpec(rotation_deg=30), 64, np.random.default_rng(1))
    assert reprojection_error(s) < 1e-3
