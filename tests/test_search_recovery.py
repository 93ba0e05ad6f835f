"""Crash recovery closes the gaps in Optuna's heartbeats: a trial killed between ask() and its first
heartbeat, a FAIL whose retry was never queued, and a wait loop that could sleep forever."""

from __future__ import annotations

import multiprocessing as mp
import os
from datetime import datetime, timedelta

import optuna
import pytest
from optuna.trial import TrialState

from mahm_search.search.runner import run_study
from mahm_search.search.stop import StudyStopped
from mahm_search.search.storage import open_study
from mahm_search.search.study_spec import load_study_spec
from search_support import Deadline, use_fake_trainer, write_study


def _trials(tmp_path):
    return optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db").get_trials()


def _ask_then_die(study_file: str) -> None:
    study = open_study(load_study_spec(study_file), create=True)
    trial = study.ask()  # RUNNING, and no heartbeat row yet
    trial.suggest_float("train.lr", 1e-4, 1e-3, log=True)
    os._exit(0)


def _retry_of(trials, number):
    return [t for t in trials if t.system_attrs.get("failed_trial") == number]


def test_trial_killed_before_its_first_heartbeat_is_retried(tmp_path, monkeypatch):
    path = write_study(tmp_path, n_trials=1)
    proc = mp.get_context("fork").Process(target=_ask_then_die, args=(str(path),))
    proc.start()
    proc.join()
    assert _trials(tmp_path)[0].state == TrialState.RUNNING
    use_fake_trainer(monkeypatch, calls := [])
    with Deadline(60):  # before the fix: sleeps forever once done + running >= n_trials
        run_study(path, n_trials=1)
    trials = _trials(tmp_path)
    assert trials[0].state == TrialState.FAIL and "error" not in trials[0].user_attrs
    (retry,) = _retry_of(trials, 0)
    assert retry.state == TrialState.COMPLETE and retry.params == trials[0].params != {}
    assert len(calls) == 1


def test_fail_without_error_and_without_retry_is_queued_again(tmp_path, monkeypatch):
    path = write_study(tmp_path, n_trials=1)
    study = open_study(load_study_spec(path), create=True)
    lost = study.ask()
    lost.suggest_float("train.lr", 1e-4, 1e-3, log=True)
    # killed between fail_stale_trials' FAIL and its retry callback
    study._storage.set_trial_state_values(lost._trial_id, TrialState.FAIL)
    use_fake_trainer(monkeypatch, calls := [])
    with Deadline(60):
        run_study(path, n_trials=1)
    trials = _trials(tmp_path)
    (retry,) = _retry_of(trials, 0)  # before the fix: a fresh configuration took its place
    assert retry.state == TrialState.COMPLETE and retry.params == trials[0].params
    assert len(trials) == 2 and len(calls) == 1


def test_wait_loop_gives_up_on_a_running_trial_it_cannot_fail(tmp_path, monkeypatch):
    path = write_study(tmp_path, n_trials=1)
    spec = load_study_spec(path)
    study = open_study(spec, create=True)
    trial = study.ask()
    # A RUNNING trial that never beats and cannot be judged stale (its host's clock is a day ahead).
    from optuna.storages._rdb import models

    session = study._storage._backend.scoped_session()
    row = session.query(models.TrialModel).filter_by(trial_id=trial._trial_id).one()
    row.datetime_start = datetime.now() + timedelta(days=1)
    session.commit()
    session.close()
    use_fake_trainer(monkeypatch, [])
    with Deadline(60), pytest.raises(StudyStopped, match="gave up waiting.*RUNNING trials \\(0\\)"):
        run_study(path, n_trials=1)
