"""The generated MANO-format hand: a closed, outward-wound 778-vertex mesh with MANO's keys and
conventions, meaningful shape directions and pose PCA, mirrored left hand, cached generation."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mahm_search.hands.generated import generated
from mahm_search.hands.generated.generated import PARENTS, default_mano_dir, generate_mano_files
from mahm_search.hands.joints import FINGERTIP_VERTICES
from mahm_search.hands.generated.orient import signed_volume


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen")
    right, left = generate_mano_files(folder)
    return dict(np.load(right)), dict(np.load(left))


def test_keys_and_shapes_are_manos(files):
    right, _ = files
    assert right["v_template"].shape == (778, 3)
    assert right["shapedirs"].shape == (778, 3, 10) and right["posedirs"].shape == (778, 3, 135)
    assert right["J_regressor"].shape == (16, 778) and right["weights"].shape == (778, 16)
    assert right["hands_components"].shape == (45, 45) and right["hands_mean"].shape == (45,)
    assert right["kintree_table"][0].tolist() == list(PARENTS)


def test_mesh_is_closed_and_consistently_wound_outward(files):
    for model in files:
        faces, verts = model["f"].astype(np.int64), model["v_template"]
        directed = Counter((int(f[k]), int(f[(k + 1) % 3])) for f in faces for k in range(3))
        undirected = Counter(tuple(sorted(e)) for e in directed.elements())
        assert set(undirected.values()) == {2}, "every edge must be shared by exactly two faces"
        assert set(directed.values()) == {1}, "neighbouring faces must wind consistently"
        assert signed_volume(verts, faces) > 0, "normals must point outward"
        assert len(np.unique(faces)) == 778


def test_template_is_a_metre_scale_right_hand_in_manos_frame(files):
    right, _ = files
    joints = right["J_regressor"] @ right["v_template"]
    assert np.allclose(joints, right["J"])
    wrist, middle_tip = joints[0], right["v_template"][FINGERTIP_VERTICES[2]]
    assert 0.15 < np.linalg.norm(middle_tip - wrist) < 0.22  # metres
    assert middle_tip[0] < wrist[0]  # fingers along -x
    assert joints[13:16, 2].mean() > joints[7:10, 2].mean()  # thumb on the +z side, pinky on -z


def test_fingertip_vertices_end_their_fingers(files):
    right, _ = files
    joints = right["J_regressor"] @ right["v_template"]
    for tip, (j2, j3) in zip(FINGERTIP_VERTICES, ((14, 15), (2, 3), (5, 6), (11, 12), (8, 9))):
        bone, to_tip = joints[j3] - joints[j2], right["v_template"][tip] - joints[j3]
        assert bone @ to_tip / np.linalg.norm(bone) / np.linalg.norm(to_tip) > 0.95
        assert 0.015 < np.linalg.norm(to_tip) < 0.035


def test_skinning_weights_and_regressor_are_normalised(files):
    right, _ = files
    assert (right["weights"] >= 0).all() and np.allclose(right["weights"].sum(1), 1)
    assert (right["J_regressor"] >= 0).all() and np.allclose(right["J_regressor"].sum(1), 1)


def test_pose_pca_is_orthonormal_and_component_0_curls(files):
    right, _ = files
    comps = right["hands_components"]
    assert np.allclose(comps @ comps.T, np.eye(45), atol=1e-8)
    # Component 0 rotates index, middle, ring, pinky joints about +z: flexion toward the palm (-y).
    flex_z = comps[0].reshape(15, 3)[:12, 2]
    assert (flex_z > 0).all()


def test_shape_directions_are_plausible(files):
    right, _ = files
    v, sd, reg = right["v_template"], right["shapedirs"], right["J_regressor"]

    def length(beta):
        shaped = v + sd @ beta
        return np.linalg.norm(shaped[FINGERTIP_VERTICES[2]] - reg[0] @ shaped)

    base = length(np.zeros(10))
    for k in range(10):
        for sign in (-2, 2):
            beta = np.zeros(10)
            beta[k] = sign
            assert 0.14 < length(beta) < 0.23
    bigger = np.zeros(10)
    bigger[0] = 1
    longer = np.zeros(10)
    longer[1] = 1
    assert length(bigger) > base * 1.02 and length(longer) > base * 1.01


def test_left_is_mirror_of_right(files):
    right, left = files
    assert np.allclose(left["v_template"], right["v_template"] * [-1, 1, 1])
    assert np.array_equal(left["f"], right["f"][:, [0, 2, 1]])
    assert np.allclose(left["shapedirs"][:, 0], -right["shapedirs"][:, 0])
    assert np.allclose(left["hands_mean"].reshape(15, 3), right["hands_mean"].reshape(15, 3) * [1, -1, -1])
    # The mirrored left must not look like the official left file's bug.
    assert np.abs(left["shapedirs"][:, 0] - right["shapedirs"][:, 0]).sum() > 1


def test_generation_is_deterministic(files, tmp_path):
    right, _ = generate_mano_files(tmp_path)
    again = np.load(right)
    for key, value in files[0].items():
        assert np.array_equal(again[key], value), key


def test_default_dir_is_cached_and_versioned(tmp_path, monkeypatch):
    monkeypatch.setenv("MAHM_CACHE_DIR", str(tmp_path))
    folder = default_mano_dir()
    assert folder.parent == tmp_path and f"v{generated.GENERATOR_VERSION}" in folder.name
    stamp = (folder / "MANO_RIGHT.npz").stat().st_mtime_ns
    assert default_mano_dir() == folder
    assert (folder / "MANO_RIGHT.npz").stat().st_mtime_ns == stamp  # not regenerated
    monkeypatch.setattr(generated, "GENERATOR_VERSION", generated.GENERATOR_VERSION + 1)
    assert default_mano_dir() != folder  # a new generator writes a new folder
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mano-generating-")]
