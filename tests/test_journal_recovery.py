"""A journal study (Optuna's JournalStorage) recovers killed trials as an RDB study does: liveness
stamps with the heartbeat's grace-period rule (search/journal/)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
from optuna.trial import TrialState

from mahm_search.search.journal import HeartbeatJournalStorage, stamps_dir
from mahm_search.search.optuna.optuna_private import storage_of, trial_id_of
from mahm_search.search.stopping.recovery import liveness, recover
from mahm_search.study.storage import open_study
from mahm_search.study.study_spec import load_study_spec
from support.search import TINY_TRAIN, write_study

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def _journal_study(tmp_path, **overrides):
    path = write_study(tmp_path, storage=f"journal:{tmp_path}/tiny.log", **overrides)
    spec = load_study_spec(path)
    return spec, open_study(spec, create=True)


def test_a_silent_trial_goes_stale_after_the_grace_period_and_is_queued_again(tmp_path):
    spec, study = _journal_study(tmp_path)
    storage = storage_of(study)
    assert isinstance(storage, HeartbeatJournalStorage) and storage.get_heartbeat_interval() == 1
    alive, dead = study.ask(), study.ask()
    for t in (alive, dead):
        storage.record_heartbeat(trial_id_of(t))
    stamp = stamps_dir(f"{tmp_path}/tiny.log") / str(trial_id_of(dead))
    old = time.time() - spec.heartbeat.grace_period - 5
    os.utime(stamp, (old, old))
    ages = liveness(study)
    assert ages[alive.number] < 2 and ages[dead.number] > spec.heartbeat.grace_period
    recover(study, spec)
    trials = study.get_trials()
    assert trials[dead.number].state == TrialState.FAIL and "error" not in trials[dead.number].user_attrs
    assert trials[alive.number].state == TrialState.RUNNING
    retry = [t for t in trials if t.system_attrs.get("failed_trial") == dead.number]
    assert len(retry) == 1 and retry[0].state == TrialState.WAITING


def test_the_nfs_safe_open_lock_can_be_chosen(tmp_path):
    _, study = _journal_study(tmp_path, journal_lock="open")
    study.ask()
    assert len(study.get_trials()) == 1


def _trials(tmp_path):
    try:
        return optuna.load_study(study_name="tiny", storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(f"{tmp_path}/tiny.log"))).get_trials()
    except Exception:
        return []


def test_two_workers_one_killed_mid_trial_the_study_completes_alone(tmp_path):
    path = write_study(tmp_path, n_trials=2, storage=f"journal:{tmp_path}/tiny.log",
                       train={**TINY_TRAIN, "steps": 6, "eval_every": 2})
    cmd = [sys.executable, "-m", "mahm_search.cli", "run", str(path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ENV,
                              start_new_session=True) for _ in range(2)]
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # both trials training, one with an eval done
            running = [t for t in _trials(tmp_path) if t.state == TrialState.RUNNING]
            if len(running) == 2 and any(t.intermediate_values for t in running):
                break
            assert all(p.poll() is None for p in procs), "a worker ended before the kill"
            time.sleep(0.2)
        else:
            raise AssertionError("the two workers never trained together")
        victim = procs[0]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        out, _ = procs[1].communicate(timeout=900)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
    assert procs[1].returncode == 0, out[-3000:]
    trials = _trials(tmp_path)
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    dead = [t for t in trials if t.state == TrialState.FAIL]
    assert len(done) == 2 and len(dead) == 1 and "error" not in dead[0].user_attrs
    retry = next(t for t in done if t.system_attrs.get("failed_trial") == dead[0].number)
    assert retry.params == dead[0].params and retry.user_attrs["steps_done"] == 6
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
