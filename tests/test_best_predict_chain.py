"""The chain from a study to a published-protocol number on the official-layout InterHand2.6M fixture:
a tiny real study -> `best` -> `train best.yaml` -> `predict --split test` -> `evaluate`, through the CLI.
Every test id is predicted (frames without MANO fits too), and evaluate's numbers equal the official
code's, computed independently on the same predictions."""

from __future__ import annotations

import re

import numpy as np
import optuna
import yaml
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.config import load_trial_config, trial_config
from mahm_search.results import StudyResults
from mahm_search.metrics.official_eval import evaluate_predictions
from support.interhand_fixture import write_fixture
from support.official_reference import FIXTURE_TYPES, fixture_truth, interhand26m_evaluate
from support.search import TINY_BASE

TOL = 1e-3  # mm: predictions are stored as float32


def _study(tmp_path, mano_dir):
    root = tmp_path / "ih"
    world = None
    for split in ("train", "val", "test"):
        world = write_fixture(root, split)["world"]
    study = {
        "name": "chain", "sampler": {"type": "random", "seed": 0}, "pruner": {"type": "none"},
        "n_trials": 2, "repeats": 1,
        "train": {"steps": 2, "eval_every": 1, "batch_size": 2, "warmup_steps": 0},
        "data": {"source": "interhand", "num_workers": 0, "interhand": {"root": str(root), "hand_type": "all"}},
        "mano": {"dir": str(mano_dir)},
        "base": {"arch": TINY_BASE["arch"]},
        "space": {"train.lr": {"float": [1.0e-4, 1.0e-3], "log": True}},
        "memory": "8GiB",
    }
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path, root, world


def _ok(res):
    assert res.exit_code == 0, res.output
    return res.output


def test_study_best_train_predict_evaluate(tmp_path, generated_mano_dir, monkeypatch):
    monkeypatch.setenv("MAHM_CACHE_DIR", str(tmp_path / "cache"))
    run = CliRunner().invoke
    study_path, root, world = _study(tmp_path, generated_mano_dir)
    _ok(run(app, ["run", str(study_path)]))

    # best: the configuration results ranks first, its trial's own config, with a header
    best_yaml = tmp_path / "best.yaml"
    out = _ok(run(app, ["best", str(study_path), "--out", str(best_yaml)]))
    study = optuna.load_study(study_name="chain", storage=f"sqlite:///{tmp_path}/chain.db")
    ranked = StudyResults.of(study, maximize=False).ranked()
    first = ranked[0].done[0]
    assert trial_config(first.user_attrs["config"]) == load_trial_config(best_yaml)
    text = best_yaml.read_text()
    assert text.startswith("# mahm-search best: study 'chain'") and f"trials: {first.number} (seed 0)" in text
    assert f"{first.value:.2f} mm" in text and "wrote" in out
    second = _ok(run(app, ["best", str(study_path), "--rank", "2", "--out", str(tmp_path / "r2.yaml")]))
    assert "ranked 2 of 2" in second
    assert trial_config(ranked[1].done[0].user_attrs["config"]) == load_trial_config(tmp_path / "r2.yaml")
    bad = run(app, ["best", str(study_path), "--rank", "3", "--out", str(tmp_path / "r3.yaml")])
    assert bad.exit_code == 2 and "--rank: expected 1 to 2" in bad.output and not (tmp_path / "r3.yaml").exists()
    # each trial kept its best.pt only (checkpoints.keep: best)
    assert all(t.user_attrs["checkpoint"].endswith("best.pt") for t in study.get_trials())

    # train best.yaml, predict the test split, evaluate
    _ok(run(app, ["train", str(best_yaml), "--out", str(tmp_path / "run")]))
    pred_path = tmp_path / "pred.npz"
    _ok(run(app, ["predict", str(tmp_path / "run" / "best.pt"), "--interhand-root", str(root), "--split", "test",
                  "--out", str(pred_path), "--batch-size", "3"]))
    with np.load(pred_path) as f:
        pred = {k: f[k] for k in f.files}
    # every test id, once: frame 2 (ids 4, 5: no left MANO fit) included
    assert sorted(pred["ids"].tolist()) == list(range(8))
    assert pred["joints"].shape == (8, 2, 21, 3) and pred["vertices"].shape == (8, 2, 778, 3)
    printed = _ok(run(app, ["evaluate", str(pred_path), "--interhand-root", str(root), "--split", "test"]))
    assert "8 InterHand2.6M test samples" in printed

    gt, valid = fixture_truth(world)
    order = np.argsort(pred["ids"])
    joints = pred["joints"][order].reshape(8, 42, 3).astype(np.float64)
    want = interhand26m_evaluate(gt, joints, valid, FIXTURE_TYPES, pred["root_rel"][order].astype(np.float64))
    got = evaluate_predictions(pred_path, root, "test")
    assert max(abs(got[k] - v) for k, v in want.items()) < TOL, (got, want)
    shown = float(re.search(r"MPJPE, all\s+([\d.]+)", printed).group(1))
    assert abs(shown - want["mpjpe"]) < 1e-3 + 5e-4 and want["mpjpe"] > 1  # a trained net is not perfect
