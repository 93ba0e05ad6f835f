"""`evaluate --subset`: each published subset selects exactly the samples its official code selects, on
the official-layout fixture, says how many, and scores only them."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.data.interhand.interhand_index import build_index
from mahm_search.data.spec import InterHandSpec
from mahm_search.errors import DataError
from mahm_search.protocols import SUBSETS, select_subset
from mahm_search.metrics.official_eval import evaluate_predictions
from support.interhand_subsets import EXPECTED, write_subset_fixture


@pytest.fixture
def root(tmp_path):
    write_subset_fixture(tmp_path, "test")
    return tmp_path


def full_index(root):
    return build_index(root, "test", InterHandSpec(root=root, hand_type="all"), require_mano=False, cache=False)


@pytest.mark.parametrize("name", SUBSETS)
def test_each_subset_selects_exactly_its_ids(root, name):
    subset = select_subset(full_index(root), root, "test", name)
    assert sorted(subset.index.ids.tolist()) == EXPECTED[name]
    assert len(subset.index.files) == len(subset.index.frame) == len(subset.index.joint_valid) == len(EXPECTED[name])
    assert f"{len(EXPECTED[name])} of 8 samples" in subset.describe()


def test_interwild_marks_a_hand_without_a_box_invalid(root):
    subset = select_subset(full_index(root), root, "test", "interwild_annotated")
    valid = dict(zip(subset.index.ids.tolist(), subset.index.joint_valid.reshape(-1, 2, 21)))
    assert valid[3][0].all() and not valid[3][1].any()  # frame 1: left root invalid, its hand dropped
    assert valid[0].all()
    assert "no hand box 1" in subset.describe() and "not in the list 2" in subset.describe()


def test_interwild_needs_its_list_and_names_it(root):
    (root / "aid_human_annot_test.txt").unlink()
    with pytest.raises(DataError, match=r"aid_human_annot_test.txt: InterWild's list .* missing"):
        select_subset(full_index(root), root, "test", "interwild_annotated")
    (root / "mine.txt").write_text("1000\n55\n")
    with pytest.raises(DataError, match=r"mine.txt: 1 annotation id\(s\) are not in InterHand2.6M_test_data.json"):
        select_subset(full_index(root), root, "test", "interwild_annotated", aid_list=root / "mine.txt")


def truth(root):
    """Camera-frame GT joints (8, 2, 21, 3) of the fixture by image id."""
    index = full_index(root)
    out = np.zeros((8, 2, 21, 3))
    for k, i in enumerate(index.ids):
        cam = index.camera[k]
        out[i] = ((index.world[index.frame[k]] - index.cam_pos[cam]) @ index.cam_R[cam].T).reshape(2, 21, 3)
    return out


@pytest.mark.parametrize("name", ["interacting", "interwild_annotated", "intaghand"])
def test_evaluate_scores_only_the_subset(root, name):
    joints = truth(root) + np.random.default_rng(0).normal(0, 20, (8, 2, 21, 3))
    inside = np.asarray(EXPECTED[name])
    joints[inside] = truth(root)[inside]  # exact inside the subset, 20 mm off outside it
    np.savez(root / "pred.npz", ids=np.arange(8), joints=joints)
    assert evaluate_predictions(root / "pred.npz", root, "test")["mpjpe"] > 5
    got = evaluate_predictions(root / "pred.npz", root, "test", subset=name)
    assert got["mpjpe"] < 1e-6 and got["n_samples"] == len(inside)
    np.savez(root / "only.npz", ids=inside, joints=joints[inside])  # the subset's ids alone suffice
    assert evaluate_predictions(root / "only.npz", root, "test", subset=name)["n_samples"] == len(inside)
    np.savez(root / "short.npz", ids=inside[1:], joints=joints[inside[1:]])
    with pytest.raises(DataError, match=rf"1 test sample\(s\) have no prediction, e.g. ids \[{inside[0]}\].*subset ids"):
        evaluate_predictions(root / "short.npz", root, "test", subset=name)


def test_cli_prints_the_protocol_and_counts(root):
    np.savez(root / "pred.npz", ids=np.arange(8), joints=truth(root))
    res = CliRunner().invoke(app, ["evaluate", str(root / "pred.npz"), "--interhand-root", str(root),
                                   "--split", "test", "--subset", "intaghand"])
    assert res.exit_code == 0, res.output
    assert "2 InterHand2.6M test samples" in res.output
    assert "subset intaghand: 2 of 8 samples" in res.output and "Dw1010/IntagHand dataset/interhand.py" in res.output
    assert "hand_type_valid 0 1" in res.output and "dark image 1" in res.output
    res = CliRunner().invoke(app, ["evaluate", str(root / "pred.npz"), "--interhand-root", str(root),
                                   "--subset", "interwild_annotated", "--aid-list", str(root / "none.txt")])
    assert res.exit_code == 2 and "none.txt: InterWild's list" in res.output
    res = CliRunner().invoke(app, ["evaluate", str(root / "pred.npz"), "--interhand-root", str(root),
                                   "--subset", "bogus"])
    assert res.exit_code == 2
