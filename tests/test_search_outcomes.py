"""Trial outcomes: memory prune before any step, rescue recorded, injected OOM, errors, NaN."""

from __future__ import annotations

import dataclasses

import optuna
import pytest
import torch
from optuna.trial import TrialState

from mahm_search.config import trial_config
from mahm_search.search import trial as trial_module
from mahm_search.memory import unplanned
from mahm_search.search.runner import run_study
from mahm_search.study.study_spec import load_study_spec
from mahm_search.train.result import TrainResult
from support.fake_trainer import fake_steps
from support.search import TINY_TRAIN, fake_train, write_study


def _load(tmp_path, name="tiny"):
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path}/{name}.db").get_trials()


@pytest.fixture
def no_memory_estimate(monkeypatch):
    monkeypatch.setattr(trial_module, "plan_memory", lambda c, b, d: unplanned(c))


def test_injected_oom_prunes_only_that_trial(tmp_path, monkeypatch, no_memory_estimate):
    calls = []
    monkeypatch.setattr("mahm_search.train.trainer.train",
                        fake_train(calls, {0: torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")}))
    run_study(write_study(tmp_path, n_trials=3))
    trials = _load(tmp_path)
    assert [t.state for t in trials] == [TrialState.PRUNED, TrialState.COMPLETE, TrialState.COMPLETE]
    assert trials[0].user_attrs["prune_reason"] == "oom"
    assert trials[0].intermediate_values == {2: 50.0}  # curve kept
    assert trials[0].user_attrs["steps_done"] == 2


def test_other_errors_fail_only_that_trial_and_count(tmp_path, monkeypatch, no_memory_estimate):
    calls = []
    monkeypatch.setattr("mahm_search.train.trainer.train", fake_train(calls, {1: ValueError("boom")}))
    run_study(write_study(tmp_path, n_trials=3))
    trials = _load(tmp_path)
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert trials[1].user_attrs["error"] == "ValueError: boom"


def test_nan_run_is_pruned_as_nan(tmp_path, monkeypatch, no_memory_estimate):
    def train(config, reporter, run_dir):
        reporter.stop("nan", 3, "loss is nan")
        return TrainResult(status="nan", message="loss is nan", steps_done=3)

    monkeypatch.setattr("mahm_search.train.trainer.train", train)
    run_study(write_study(tmp_path, n_trials=1))
    (t,) = _load(tmp_path)
    assert t.state == TrialState.PRUNED and t.user_attrs["prune_reason"] == "nan"


def test_tiny_budget_prunes_as_memory_before_any_step(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("mahm_search.train.trainer.train", fake_train(calls))
    run_study(write_study(tmp_path, n_trials=1, memory="1MiB"))
    (t,) = _load(tmp_path)
    assert t.state == TrialState.PRUNED and t.user_attrs["prune_reason"] == "memory"
    assert t.user_attrs["steps_done"] == 0 and not t.intermediate_values and calls == []
    assert t.user_attrs["memory_estimate_bytes"] > 2**20
    assert t.system_attrs["constraints:memory"] > 0  # TPE sees it as infeasible


def test_budget_that_fits_only_with_rescue_runs_rescued(tmp_path, monkeypatch):
    from mahm_search.memory import estimate_peak_bytes, rescue_ladder

    # batch 64: big enough that activation checkpointing saves memory on this tiny net
    study = dict(n_trials=1, train={**TINY_TRAIN, "batch_size": 64}, space={"train.lr": {"float": [1e-4, 1e-4]}})
    config = trial_config(load_study_spec(write_study(tmp_path, **study)).base_config)
    original = estimate_peak_bytes(config, "cpu")
    rescued = min(estimate_peak_bytes(c, "cpu") for _, c in rescue_ladder(config))
    assert rescued < original, "a rescue must save memory on this config"
    budget = (original + rescued) // 2  # fits only rescued
    path = write_study(tmp_path, memory=budget, **study)
    calls = []
    monkeypatch.setattr("mahm_search.train.trainer.train", fake_train(calls))
    run_study(path)
    (t,) = _load(tmp_path)
    assert t.state == TrialState.COMPLETE, t.user_attrs
    assert t.user_attrs["rescue"] != "none"
    assert t.user_attrs["memory_estimate_bytes"] <= budget
    assert calls[0].train.checkpointing or calls[0].train.micro_batches > 1  # trained the rescued config
    assert t.user_attrs["config"]["train"] == calls[0].train.model_dump(mode="json")


def test_a_loader_bound_study_says_so_in_its_record_table_and_summary(tmp_path, monkeypatch, no_memory_estimate):
    from mahm_search.report.figures.trials_table import trials_frame
    from mahm_search.report.records.records import trial_records
    from mahm_search.console.summary import summary_lines

    def train(config, reporter, run_dir):  # 60% of its loop spent waiting for batches
        result = fake_steps(config, reporter, run_dir, metrics=lambda c, step: {"score": 10.0}, checkpoint=False)
        return dataclasses.replace(result, data_wait_share=0.6)

    monkeypatch.setattr("mahm_search.train.trainer.train", train)
    path = write_study(tmp_path, n_trials=2)
    run_study(path)
    assert [t.user_attrs["data_wait_share"] for t in _load(tmp_path)] == [0.6, 0.6]
    spec = load_study_spec(path)
    study = optuna.load_study(study_name=spec.name, storage=spec.storage_url)
    assert list(trials_frame(trial_records(study))["data_wait_share"]) == [0.6, 0.6]
    assert any("waited for data 60%" in line and "data.num_workers" in line
               for line in summary_lines(spec, study, 2))
