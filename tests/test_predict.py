"""`mahm-search predict` on the synthetic data: the file holds what validation scored, and bad input
(a corrupt file, not a checkpoint, another version's config or weights, a folder as --out) is one
line naming the file, exit 2, with no output file left."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.data.build import build_datasets
from mahm_search.predict import load_trained_model
from mahm_search.train.batches import val_batches
from mahm_search.metrics.metrics import MetricAccumulator
from mahm_search.train.step.step import to_device
from mahm_search.train.loss.targets import ground_truth
from mahm_search.train.trainer import train
from support.trainer import tiny_config


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    result = train(tiny_config(), run_dir=folder)
    assert result.status == "complete"
    return folder


def _predict(*args):
    return CliRunner().invoke(app, ["predict", *map(str, args)])


def _one_error_line(res, exit_code=2):
    assert res.exit_code == exit_code, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in res.output, res.output
    return lines[0]


def test_predictions_are_what_validation_scored(run_dir, tmp_path):
    out = tmp_path / "pred.npz"
    res = _predict(run_dir / "best.pt", "--out", out, "--batch-size", "1")
    assert res.exit_code == 0, res.output
    with np.load(out) as f:
        pred = {k: f[k] for k in f.files}
    assert pred["ids"].tolist() == [0, 1] and pred["joints"].shape == (2, 2, 21, 3)
    assert pred["vertices"].shape == (2, 2, 778, 3) and pred["root_rel"].shape == (2, 3)
    # score the file's arrays as validation does: the numbers best.pt recorded for its evaluation
    trained = load_trained_model(run_dir / "best.pt")
    config, mano = trained.config, trained.model.mano
    _, val = build_datasets(config.data, config.mano)
    acc = MetricAccumulator()
    for i, cpu_batch in enumerate(val_batches(val, 2)):
        batch = to_device(cpu_batch, torch.device("cpu"))
        stage = {"joints_3d": torch.from_numpy(pred["joints"]), "vertices": torch.from_numpy(pred["vertices"]),
                 "root_rel": torch.from_numpy(pred["root_rel"])}
        acc.update(stage, batch, ground_truth(mano, batch)["vertices"], j_regressor=mano.J_regressor)
    got = acc.compute()
    recorded = torch.load(run_dir / "best.pt", weights_only=True)["metrics"]
    for key in ("mpjpe", "mpvpe", "mrrpe", "pa_mpjpe"):
        assert abs(got[key] - recorded[key]) < 1e-3, (key, got[key], recorded[key])


def test_overlays_of_the_first_samples_come_with_the_predictions(run_dir, tmp_path):
    import cv2

    out = tmp_path / "pred.npz"
    res = _predict(run_dir / "best.pt", "--out", out, "--overlays", "1")
    assert res.exit_code == 0, res.output
    drawn = sorted((tmp_path / "pred_overlays").iterdir())
    assert [p.name for p in drawn] == ["0.png"] and out.is_file()
    picture = cv2.imread(str(drawn[0]))
    assert picture is not None and picture.shape[1] > picture.shape[0]  # crop | overlay | side view
    assert "--overlays: expected a number of samples >= 0" in _one_error_line(
        _predict(run_dir / "best.pt", "--out", tmp_path / "p2.npz", "--overlays", "-1"))


def test_bad_checkpoints_are_one_line_and_leave_no_file(run_dir, tmp_path):
    out = tmp_path / "pred.npz"
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes((run_dir / "best.pt").read_bytes()[:5000])
    assert "corrupt.pt: checkpoint: cannot read it" in _one_error_line(_predict(corrupt, "--out", out))
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    assert "other.pt: checkpoint: expected a mahm-search checkpoint.pt or best.pt" in \
        _one_error_line(_predict(other, "--out", out))
    state = torch.load(run_dir / "best.pt", weights_only=True)
    newer = tmp_path / "newer.pt"
    torch.save({**state, "config": {**state["config"], "arch": {**state["config"]["arch"], "wings": 2}}}, newer)
    line = _one_error_line(_predict(newer, "--out", out))
    assert "newer.pt: checkpoint: its config does not validate" in line and "incompatible version" in line
    older = tmp_path / "older.pt"
    model = dict(state["model"])
    model.pop(next(iter(model)))
    torch.save({**state, "model": model}, older)
    line = _one_error_line(_predict(older, "--out", out))
    assert "older.pt: checkpoint: its weights do not fit" in line and "incompatible version" in line
    assert "missing.pt: checkpoint: file does not exist" in _one_error_line(_predict(tmp_path / "missing.pt", "--out", out))
    assert "--out: " in _one_error_line(_predict(run_dir / "best.pt", "--out", tmp_path))
    assert "--split: the synthetic data has splits train, val" in \
        _one_error_line(_predict(run_dir / "best.pt", "--out", out, "--split", "test"))
    assert not out.exists() and not list(tmp_path.glob("pred.npz*"))


def test_an_interrupted_prediction_leaves_the_old_file(run_dir, tmp_path, monkeypatch):
    out = tmp_path / "pred.npz"
    out.write_bytes(b"old")

    def dies(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("mahm_search.predict.npz_file.np.savez", dies)
    with pytest.raises(KeyboardInterrupt):
        from mahm_search.predict import predict

        predict(run_dir / "checkpoint.pt", out)
    assert out.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["pred.npz"]


def test_evaluate_names_a_file_that_is_not_predictions(tmp_path):
    from support.interhand_fixture import write_fixture

    write_fixture(tmp_path, "test")
    np.save(tmp_path / "one.npy", np.zeros(3))
    np.savez(tmp_path / "text.npz", ids=np.arange(8), joints=np.full((8, 2, 21, 3), "a"))
    (tmp_path / "junk.npz").write_text("not an archive")
    for name, why in (("one.npy", "a single array, not an .npz archive"), ("text.npz", "'joints' must be real numbers"),
                      ("junk.npz", "not an .npz archive")):
        res = CliRunner().invoke(app, ["evaluate", str(tmp_path / name), "--interhand-root", str(tmp_path)])
        assert f"{name}: " in _one_error_line(res) and why in res.output
