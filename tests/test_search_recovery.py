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
from mahm_search.search.stopping.stop import StudyStopped
from mahm_search.study.storage import open_study
from mahm_search.study.study_spec import load_study_spec
from support.search import Deadline, use_fake_trainer, write_study


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


def test_tmp_checkpoint_of_a_writer_killed_mid_write_is_removed(tmp_path, monkeypatch):
    # SIGKILL during a checkpoint write leaves checkpoint.pt.tmpPID (atomic_write cannot clean up);
    # found by benchmarks/bench_chaos.py. The rerun retries the trial and leaves no tmp file behind.
    path = write_study(tmp_path, n_trials=1)
    study = open_study(load_study_spec(path), create=True)
    dead = study.ask()
    dead.suggest_float("train.lr", 1e-4, 1e-3, log=True)
    study._storage.set_trial_state_values(dead._trial_id, TrialState.FAIL)  # its process died
    left = tmp_path / "tiny_runs" / "trial_0" / "checkpoint.pt.tmp4242"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"half a checkpoint")
    old = (datetime.now() - timedelta(minutes=1)).timestamp()
    os.utime(left, (old, old))
    use_fake_trainer(monkeypatch, [])
    with Deadline(60):
        run_study(path, n_trials=1)
    assert not left.exists()  # before the fix: still there after the study finished
    assert _retry_of(_trials(tmp_path), 0)[0].state == TrialState.COMPLETE


def test_tmp_files_of_a_live_writer_are_kept(tmp_path):
    from mahm_search.search.stopping.recovery import remove_dead_tmp_files

    path = write_study(tmp_path, n_trials=2)
    spec = load_study_spec(path)
    study = open_study(spec, create=True)
    dead, busy_retry = study.ask(), study.ask()
    study._storage.set_trial_state_values(dead._trial_id, TrialState.FAIL)
    # a RUNNING retry of trial 0 trains in trial_0's folder: its tmp file is being written
    study._storage.set_trial_system_attr(busy_retry._trial_id, "failed_trial", 0)
    old = (datetime.now() - timedelta(minutes=1)).timestamp()
    runs = tmp_path / "tiny_runs"
    files = {name: runs / name / "checkpoint.pt.tmp1" for name in ("trial_0", "trial_2")}
    for f in files.values():
        f.parent.mkdir(parents=True)
        f.write_bytes(b"x")
        os.utime(f, (old, old))
    assert remove_dead_tmp_files(spec, study.get_trials()) == []  # trial_0 is busy; trial_2 not dead
    study._storage.set_trial_state_values(busy_retry._trial_id, TrialState.FAIL)
    fresh = runs / "trial_0" / "checkpoint.pt.tmp2"
    fresh.write_bytes(b"y")  # modified just now: its writer may be alive on another host
    assert remove_dead_tmp_files(spec, study.get_trials()) == [files["trial_0"]]
    assert fresh.exists() and files["trial_2"].exists()
