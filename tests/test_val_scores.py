"""Per-sample validation scores: the trainer's last evaluation keeps them, the record stores them."""

from __future__ import annotations

import math

import optuna
import pytest
import torch

from mahm_search.study.record import TrialRecord, write_outcome
from mahm_search.train.trainer import train
from support.trainer import Recorder, tiny_config


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny steps on a shared 2-core machine: one intra-op thread keeps them fast and steady."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_last_evaluation_keeps_each_samples_score():
    cfg = tiny_config(steps=2, eval_every=1)
    cfg.data.synthetic.n_val = 3
    result = train(cfg, Recorder())
    assert len(result.history) == 2
    assert len(result.val_scores) == 3 and all(math.isfinite(v) for v in result.val_scores)
    assert result.val_ids is None  # the synthetic set has no official ids
    # per-sample errors are this run's, of the same size as its set score (not another evaluation's)
    mean = sum(result.val_scores) / 3
    assert 0.5 * result.final_metrics["score"] < mean < 2 * result.final_metrics["score"]
    # PA-MPJPE per sample too, and the blind baseline of the same data on the same 3 samples
    assert len(result.val_pa_scores) == 3 and all(math.isfinite(v) for v in result.val_pa_scores)
    blind = result.blind
    assert blind["n_val"] == 3 and len(blind["val_scores"]) == len(blind["val_pa_scores"]) == 3
    assert {"score", "mpjpe", "mpvpe", "pa_mpjpe"} <= set(blind["metrics"])


def test_the_record_stores_them_rounded_and_without_nan():
    study = optuna.create_study()
    trial = study.ask()
    write_outcome(trial, steps_done=4, wall_time_s=1.0, final_metrics={"score": 50.0},
                  val_scores=[50.12345, float("nan"), 49.0], val_ids=[7, 8, 9])
    record = TrialRecord.of(trial)
    assert record.val_scores == [pytest.approx(50.123), None, 49.0]
    assert record.val_ids == [7, 8, 9]
    write_outcome(study.ask(), steps_done=0, wall_time_s=0.0, final_metrics={})  # pruned early: none
    assert TrialRecord.of(study.trials[-1]).val_scores == []
    assert TrialRecord.of(study.trials[-1]).blind is None  # and no blind baseline


def test_the_record_stores_the_blind_baseline_rounded():
    study = optuna.create_study()
    trial = study.ask()
    blind = {"key": "k", "metrics": {"score": 54.4912345, "pa_mpjpe": 18.9}, "val_scores": [54.12345, float("nan")],
             "val_pa_scores": [18.98765, 17.0], "n_train": 1024, "n_val": 2}
    write_outcome(trial, steps_done=4, wall_time_s=1.0, final_metrics={"score": 50.0}, val_scores=[50.0, 49.0],
                  val_pa_scores=[18.04321, 19.0], blind=blind)
    record = TrialRecord.of(trial)
    assert record.val_pa_scores == [pytest.approx(18.043), 19.0]
    assert record.blind["val_scores"] == [pytest.approx(54.123), None]
    assert record.blind["metrics"]["score"] == pytest.approx(54.4912345) and record.blind["n_val"] == 2
