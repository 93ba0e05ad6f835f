"""Experiment trackers: a study's trials are written to TensorBoard, MLflow and W&B (offline) and read
back with each library's own reader; a tracker that fails warns once and the study goes on; a tracker
whose package is missing is one line naming the extra, before any trial."""

from __future__ import annotations

import importlib.util
import warnings

import optuna
import pytest
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.errors import ConfigError
from mahm_search.search.runner import run_study
from mahm_search.study.study_spec import load_study_spec
from mahm_search.search.trackers import TrackerWarning
from support.search import use_fake_trainer, write_study


def _run(tmp_path, monkeypatch, trackers, n_trials=2):
    calls: list = []
    use_fake_trainer(monkeypatch, calls)
    path = write_study(tmp_path, n_trials=n_trials, trackers=trackers)
    return run_study(path), calls


def test_tensorboard_event_files_hold_each_trials_curve_and_end(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    study, _ = _run(tmp_path, monkeypatch, ["tensorboard"])
    root = tmp_path / "tiny_tensorboard"
    for trial in study.trials:
        events = EventAccumulator(str(root / f"trial_{trial.number}")).Reload()
        curve = [(e.step, e.value) for e in events.Scalars("eval/score")]
        assert [s for s, _ in curve] == [2, 4]
        assert curve[-1][1] == pytest.approx(trial.value)
        assert events.Scalars("final/score")[-1].value == pytest.approx(trial.value)
        assert "memory/peak_mib" in events.Tags()["scalars"]
        assert "config/text_summary" in events.Tags()["tensors"]
    best = EventAccumulator(str(root / "study")).Reload()
    assert best.Scalars("best/score_mean")[-1].value == pytest.approx(min(t.value for t in study.trials))


def test_mlflow_runs_hold_params_curves_final_metrics_and_the_best(tmp_path, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    study, _ = _run(tmp_path, monkeypatch, [{"mlflow": {"experiment_name": "tiny-exp"}}])
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'tiny_mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["tiny-exp"])
    by_name = {row["tags.mlflow.runName"]: row for _, row in runs.iterrows()}
    assert set(by_name) == {"trial_0", "trial_1", "study_best"}
    for trial in study.trials:
        row = by_name[f"trial_{trial.number}"]
        assert row["status"] == "FINISHED" and row["tags.state"] == "COMPLETE"
        assert float(row["params.train.lr"]) == pytest.approx(trial.params["train.lr"])
        assert row["metrics.final_score"] == pytest.approx(trial.value)
        history = mlflow.MlflowClient().get_metric_history(row["run_id"], "score")
        assert [m.step for m in history] == [2, 4]
    best = min(study.trials, key=lambda t: t.value)
    assert by_name["study_best"]["metrics.best_score_mean"] == pytest.approx(best.value)
    assert float(by_name["study_best"]["params.train.lr"]) == pytest.approx(best.params["train.lr"])


def test_wandb_offline_runs_are_written(tmp_path, monkeypatch):
    pytest.importorskip("wandb", reason="wandb is not in the test extra (60 MB, a slow import): "
                                        "pip install -e '.[wandb]' to run this")
    _run(tmp_path, monkeypatch, ["wandb"], n_trials=1)
    runs = sorted((tmp_path / "tiny_wandb" / "wandb").glob("offline-run-*"))
    assert len(runs) == 2  # trial_0 and study_best
    logged = b"".join(f.read_bytes() for run in runs for f in run.glob("run-*.wandb"))
    for key in (b"score", b"final/score", b"memory/peak_mib", b"best_score_mean", b"trial_0"):
        assert key in logged


def test_a_tracker_that_fails_warns_once_and_the_study_goes_on(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")
    from mahm_search.search.trackers.tensorboard import TensorBoardTracker

    def disk_full(self, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(TensorBoardTracker, "trial_step", disk_full)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study, calls = _run(tmp_path, monkeypatch, ["tensorboard"], n_trials=3)
    mine = [w for w in caught if issubclass(w.category, TrackerWarning)]
    assert len(mine) == 1 and "No space left" in str(mine[0].message)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 3


def test_a_missing_tracker_package_names_the_extra_before_any_trial(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    path = write_study(tmp_path, trackers=["tensorboard", {"mlflow": {"tracking_uri": "http://x"}}])
    with pytest.raises(ConfigError) as err:
        load_study_spec(path)
    assert err.value.problems == [f"{path}: trackers[1]: 'mlflow' needs the mlflow package, which is not installed: "
                                  f"pip install -e '.[mlflow]'"]
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2 and "pip install -e '.[mlflow]'" in result.stderr
    assert not (tmp_path / "tiny.db").exists()


@pytest.mark.parametrize("trackers, expected", [
    (["neptune"], "trackers: [0]: expected one of tensorboard, mlflow, wandb, got 'neptune'"),
    ([{"mlflow": {"uri": "x"}}], "trackers: [0].mlflow.uri: unknown argument"),
])
def test_bad_tracker_entries_are_one_line(tmp_path, trackers, expected):
    with pytest.raises(ConfigError) as err:
        load_study_spec(write_study(tmp_path, trackers=trackers))
    assert len(err.value.problems) == 1 and expected in err.value.problems[0], err.value.problems


@pytest.mark.ray
def test_on_ray_the_trackers_are_tunes_logger_callbacks(tmp_path):
    pytest.importorskip("ray.tune")
    from ray.air.integrations.mlflow import MLflowLoggerCallback
    from ray.tune.logger import TBXLoggerCallback

    from mahm_search.search.trackers.ray_callbacks import ray_logger_callbacks

    spec = load_study_spec(write_study(tmp_path, trackers=["tensorboard", "mlflow"]))
    tbx, mlf = ray_logger_callbacks(spec)
    assert isinstance(tbx, TBXLoggerCallback) and isinstance(mlf, MLflowLoggerCallback)
    assert mlf.tracking_uri == f"sqlite:///{(tmp_path / 'tiny_mlflow.db').resolve()}"
