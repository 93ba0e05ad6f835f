"""InterHand2.6M reader on a tiny fixture written in the exact official release layout."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mahm_search.data.interhand.interhand import InterHandDataset
from mahm_search.data.spec import CropSpec, InterHandSpec
from mahm_search.errors import DataError
from support.interhand_fixture import CAMERAS, write_fixture


@pytest.fixture(autouse=True)
def own_index_cache(tmp_path, monkeypatch):
    """The index cache (data/interhand/interhand_cache.py) goes to this test's folder, not the user's."""
    monkeypatch.setenv("MAHM_INTERHAND_CACHE", str(tmp_path / "index-cache"))


@pytest.fixture()
def fixture_root(tmp_path):
    write_fixture(tmp_path)
    return tmp_path


def open_ds(root, **kw):
    crop = kw.pop("crop", CropSpec())
    return InterHandDataset(InterHandSpec(root=root, **kw), "val", image_size=64, crop=crop)


def test_skips_null_mano_and_other_hand_types(fixture_root):
    ds = open_ds(fixture_root)
    assert len(ds) == 4  # frames 0 and 1, two cameras each
    assert ds.skipped["no_mano"] == 2 and ds.skipped["hand_type"] == 2
    assert len(open_ds(fixture_root, hand_type="all")) == 6  # the right-only frame needs only its right fit
    assert len(open_ds(fixture_root, stride=2)) == 2
    assert len(open_ds(fixture_root, captures=[7])) == 0


def test_camera_projection_by_hand(fixture_root):
    ds = open_ds(fixture_root)
    raw = ds.raw_sample(0)  # frame 0, camera 400001: R = I, campos = (0, 0, -500)
    # right wrist world (10, 20, 0) -> camera (10, 20, 500) -> pixels (10/500*1000+160, 20/500*1000+256)
    np.testing.assert_allclose(raw["joints_3d"][0, 20], [10, 20, 500], atol=1e-4)
    np.testing.assert_allclose(raw["joints_2d"][0, 20], [180, 296], atol=1e-3)
    # left wrist is dataset joint 41 -> hand 1, joint 20: world (-40, 20, 0)
    np.testing.assert_allclose(raw["joints_3d"][1, 20], [-40, 20, 500], atol=1e-4)
    raw = ds.raw_sample(1)  # frame 0, camera 400002: R = 90 deg about z, campos = (100, 0, -400)
    # world - campos = (-90, 20, 400); R @ that = (-20, -90, 400)
    np.testing.assert_allclose(raw["joints_3d"][0, 20], [-20, -90, 400], atol=1e-4)
    np.testing.assert_allclose(raw["joints_2d"][0, 20], [-20 / 400 * 800 + 170, -90 / 400 * 820 + 250], atol=1e-3)
    # MANO global rotation in the camera frame: R @ R_world
    r_world, _ = cv2.Rodrigues(np.array([0.3, -0.2, 0.1]))
    expected = CAMERAS["400002"][0] @ r_world
    np.testing.assert_allclose(cv2.Rodrigues(raw["mano_pose"][0, :3].astype(np.float64))[0], expected, atol=1e-5)
    np.testing.assert_allclose(raw["mano_pose"][0, 3:], 0.01, atol=1e-7)


def test_invalid_root_invalidates_hand(fixture_root):
    s = open_ds(fixture_root)[2]  # frame 1 (camera 400001), left root invalid
    assert s["joint_valid"][1].sum() == 0 and s["hand_valid"].tolist() == [1.0, 0.0]
    assert s["joint_valid"][0].sum() == 21


def test_cropped_sample_is_consistent(fixture_root):
    for crop in (CropSpec(), CropSpec(enabled=False)):
        s = open_ds(fixture_root, crop=crop)[2]
        assert s["image"].shape == (3, 64, 64)
        proj = s["joints_3d"] @ s["K"].T
        np.testing.assert_allclose((proj[..., :2] / proj[..., 2:]).numpy(), s["joints_2d"].numpy(), atol=1e-2)
    root_rel = s["joints_3d"][1, 20] - s["joints_3d"][0, 20]
    np.testing.assert_allclose(s["root_rel"].numpy(), root_rel.numpy(), atol=1e-5)


def test_missing_annotation_file_names_it(fixture_root):
    (fixture_root / "annotations/val/InterHand2.6M_val_camera.json").unlink()
    with pytest.raises(DataError, match="InterHand2.6M_val_camera.json.*missing"):
        open_ds(fixture_root)


def test_malformed_json_names_it(fixture_root):
    (fixture_root / "annotations/val/InterHand2.6M_val_joint_3d.json").write_text("{not json")
    with pytest.raises(DataError, match="InterHand2.6M_val_joint_3d.json: not valid JSON"):
        open_ds(fixture_root)


def test_corrupt_image_names_it(fixture_root):
    ds = open_ds(fixture_root)
    bad = fixture_root / "images/val" / ds.index.files[0]
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match=f"{bad.name}: image file is corrupt"):
        ds[0]


def test_samples_keep_the_official_order_and_ids(tmp_path):
    order = [5, 2, 0, 7, 3, 6, 1, 4]  # not sorted by camera and frame
    write_fixture(tmp_path, order=order)
    ds = open_ds(tmp_path, hand_type="all")
    kept = [i for i in order if i // 2 != 2]  # frame 2 (ids 4, 5) has no left MANO fit
    assert ds.sample_ids.tolist() == kept  # the old reader sorted them: [0, 2, 6, 1, 3, 7]
    raw = ds.raw_sample(0)  # id 2: frame 1, camera 400001 (id 5, frame 2, was skipped)
    np.testing.assert_allclose(raw["joints_3d"][0, 20], [11, 21, 501], atol=1e-4)
    assert ds[kept.index(7)]["hand_type"].tolist() == [1.0, 0.0]  # frame 3 is right-hand only
    assert ds[kept.index(0)]["hand_type"].tolist() == [1.0, 1.0]
    # stride picks every 2nd frame of each camera whatever the file order: frames 0 and 2 (2 is skipped)
    assert sorted(open_ds(tmp_path, hand_type="all", stride=2).sample_ids.tolist()) == [0, 1]


def test_index_without_mano_requirement_keeps_every_annotation(fixture_root):
    from mahm_search.data.interhand.interhand_index import build_index

    index = build_index(fixture_root, "val", InterHandSpec(root=fixture_root, hand_type="all"), require_mano=False)
    assert index.ids.tolist() == list(range(8))
    assert index.mano_valid[index.frame[4]].tolist() == [1, 0]  # frame 2: no left fit
