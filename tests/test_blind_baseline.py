"""The blind baseline (train/blind/blind.py) equals a computation by hand: the training set's mean root-relative
hands, scored with numpy the official way (per joint over the samples where it is valid, then over
joints; InterWild's MPVPE; MRRPE), on synthetic data and on a fake InterHand2.6M tree."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mahm_search.config import trial_config
from mahm_search.data.build import build_datasets
from mahm_search.hands.layer import TwoHandMANO
from mahm_search.train.blind import blind as blind_module
from mahm_search.train.blind.blind import blind_baseline
from support.interhand_fixture import write_fixture

ROOT = 20


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """The blind cache (and the synthetic shards) in this test's folder, one intra-op thread."""
    monkeypatch.setenv("MAHM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MAHM_INTERHAND_CACHE", "off")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def labels(ds) -> dict:
    """Every sample of a split, as the dataset serves it (images decoded, nothing augmented here)."""
    samples = [ds[i] for i in range(len(ds))]
    return {k: np.stack([s[k].numpy().astype(np.float64) for s in samples]) for k in samples[0] if k != "image"}


def by_hand(config) -> dict:
    """The mean hand's mpjpe, mpvpe, mrrpe and score, and its per-sample mpjpe, computed here with numpy."""
    train_ds, val_ds = build_datasets(config.data, config.mano)
    mano = TwoHandMANO(config.mano)
    tr, va = labels(train_ds), labels(val_ds)

    def valid_joints(s):
        jv = s["joint_valid"] * s["hand_valid"][..., None]
        return jv * jv[..., ROOT:ROOT + 1]

    def meshes(s):  # MANO on the GT pose and shape, each mesh relative to its own MANO wrist
        with torch.no_grad():
            out = mano(torch.as_tensor(s["mano_pose"]).float(), torch.as_tensor(s["mano_shape"]).float())
        return (out["vertices"] - out["joints"][:, :, ROOT:ROOT + 1]).double().numpy()

    # the training means over valid entries
    rel = tr["joints_3d"] - tr["joints_3d"][:, :, ROOT:ROOT + 1]
    jv = valid_joints(tr)
    mean_joints = (rel * jv[..., None]).sum(0) / np.maximum(jv.sum(0), 1)[..., None]
    mv = tr["mano_valid"] * tr["hand_valid"]
    mean_mesh = (meshes(tr) * mv[..., None, None]).sum(0) / np.maximum(mv.sum(0), 1)[:, None, None]
    both = jv[:, 0, ROOT] * jv[:, 1, ROOT]
    offsets = tr["joints_3d"][:, 1, ROOT] - tr["joints_3d"][:, 0, ROOT]
    mean_offset = (offsets * both[:, None]).sum(0) / both.sum()

    # MPJPE: each joint over the val samples where it is valid, then over joints
    vrel = va["joints_3d"] - va["joints_3d"][:, :, ROOT:ROOT + 1]
    vjv = valid_joints(va)
    err = np.linalg.norm(mean_joints[None] - vrel, axis=-1)
    count = vjv.sum(0)
    mpjpe = np.mean(((err * vjv).sum(0))[count > 0] / count[count > 0])
    per_sample_mpjpe = (err * vjv).sum((1, 2)) / vjv.sum((1, 2))
    # MPVPE (InterWild): each mesh on the wrist the right hand's J_regressor row gives from it
    wrist_row = mano.J_regressor[0, 0].double().numpy()
    gt = meshes(va)
    gt = gt - np.einsum("v,nhvc->nhc", wrist_row, gt)[:, :, None]
    pred = mean_mesh - np.einsum("v,hvc->hc", wrist_row, mean_mesh)[:, None]
    hand_err = np.linalg.norm(pred[None] - gt, axis=-1).mean(-1)  # (N, 2)
    present = va["hand_type"] > 0
    counted = present * (va["mano_valid"] > 0) * (vjv[..., ROOT] > 0)
    mpvpe = (hand_err * counted).sum() / counted.sum()
    # MRRPE: interacting samples with both roots valid
    both_val = present.all(1) * (vjv[:, 0, ROOT] > 0) * (vjv[:, 1, ROOT] > 0)
    rr = va["joints_3d"][:, 1, ROOT] - va["joints_3d"][:, 0, ROOT]
    mrrpe = np.linalg.norm(mean_offset - rr, axis=-1)[both_val].mean()
    return {"mpjpe": mpjpe, "mpvpe": mpvpe, "mrrpe": mrrpe, "score": (mpjpe + mpvpe) / 2,
            "per_sample_mpjpe": per_sample_mpjpe, "n_val": len(val_ds)}


def check(config) -> None:
    expected = by_hand(config)
    baseline = blind_baseline(config)
    for key in ("mpjpe", "mpvpe", "mrrpe", "score"):
        assert baseline.metrics[key] == pytest.approx(expected[key], rel=1e-4, abs=1e-3), key
    np.testing.assert_allclose(baseline.per_sample["mpjpe"], expected["per_sample_mpjpe"], rtol=1e-4)
    assert len(baseline.per_sample["score"]) == len(baseline.per_sample["pa_mpjpe"]) == expected["n_val"]
    assert np.all(np.isfinite(baseline.per_sample["pa_mpjpe"])) and baseline.metrics["pa_mpjpe"] > 0
    record = baseline.for_record("mpjpe")  # a trial's `score` is its objective, and so is the blind's
    assert record["metrics"]["score"] == baseline.metrics["mpjpe"]
    assert record["val_scores"] == baseline.per_sample["mpjpe"]


def test_synthetic_blind_baseline_is_the_mean_hand_scored_by_hand():
    check(trial_config({"arch": {"input_size": 64}, "data": {"synthetic": {"n_train": 12, "n_val": 5}}}))


def test_interhand_blind_baseline_is_the_mean_hand_scored_by_hand(tmp_path):
    root = tmp_path / "ih"
    write_fixture(root, "train")
    write_fixture(root, "val")
    # every hand type: a right-hand frame, and a frame whose left root is invalid, test the masks
    check(trial_config({"arch": {"input_size": 64}, "data": {
        "source": "interhand", "interhand": {"root": str(root), "hand_type": "all"}}}))


def test_interhand_labels_read_no_image_and_match_the_samples(tmp_path, monkeypatch):
    root = tmp_path / "ih"
    write_fixture(root, "train")
    write_fixture(root, "val")
    config = trial_config({"arch": {"input_size": 64}, "data": {
        "source": "interhand", "interhand": {"root": str(root), "hand_type": "all"}}})
    _, val_ds = build_datasets(config.data, config.mano)
    samples = [val_ds[i] for i in range(len(val_ds))]
    monkeypatch.setattr("mahm_search.data.interhand.interhand.read_rgb", lambda path: pytest.fail("read an image"))
    for i, sample in enumerate(samples):
        for key, value in val_ds.labels(i).items():
            np.testing.assert_allclose(value, sample[key].numpy(), atol=1e-5, err_msg=key)


def test_computed_once_per_data_configuration(monkeypatch):
    config = trial_config({"arch": {"input_size": 64}, "data": {"synthetic": {"n_train": 4, "n_val": 3}}})
    first = blind_baseline(config)
    with monkeypatch.context() as patched:
        patched.setattr(blind_module, "compute_blind", lambda *a, **k: pytest.fail("computed twice"))
        # a trial that differs in what cannot change the labels (training, loader) reads the cached one
        again = blind_baseline(trial_config({"arch": {"input_size": 64}, "train": {"lr": 0.01, "seed": 3},
                                             "data": {"num_workers": 0, "synthetic": {"n_train": 4, "n_val": 3}}}))
    assert again.metrics == first.metrics and again.per_sample == first.per_sample and again.key == first.key
    other = blind_baseline(trial_config({"arch": {"input_size": 64},
                                         "data": {"synthetic": {"n_train": 4, "n_val": 2}}}))
    assert other.key != first.key and other.n_val == 2
