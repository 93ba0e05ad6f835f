"""SIGKILL a running `mahm-search run` mid-trial, rerun it: the study reaches n_trials, no finished
trial is repeated, and the killed trial is retried in its own run folder from its checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import optuna
from optuna.trial import TrialState

from support.search import TINY_TRAIN, write_study

STEPS = 10


def _cmd(path):
    return [sys.executable, "-m", "mahm_search.cli", "run", str(path)]


def _trials(tmp_path):
    try:
        return optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db").get_trials()
    except (KeyError, Exception):
        return []


def test_sigkill_mid_trial_then_rerun_resumes(tmp_path):
    path = write_study(tmp_path, n_trials=2, train={**TINY_TRAIN, "steps": STEPS, "eval_every": 2})
    proc = subprocess.Popen(_cmd(path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            trials = _trials(tmp_path)
            if trials and len(trials[0].intermediate_values) >= 2 and trials[0].state == TrialState.RUNNING:
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.3)
        else:
            raise AssertionError("trial 0 never reached its second eval")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # our own child's process group only
        proc.wait()
    killed_at = dict(_trials(tmp_path)[0].intermediate_values)
    assert (tmp_path / "tiny_runs" / "trial_0" / "checkpoint.pt").is_file()

    rerun = subprocess.run(_cmd(path), capture_output=True, text=True, timeout=400)
    assert rerun.returncode == 0, rerun.stderr[-2000:]

    trials = _trials(tmp_path)
    done = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(done) == 2
    assert trials[0].state == TrialState.FAIL and "error" not in trials[0].user_attrs
    retry = next(t for t in trials if t.system_attrs.get("failed_trial") == 0)
    assert retry.state == TrialState.COMPLETE and retry.params == trials[0].params
    # the curve continues: the dead trial's values are kept and the later evals follow them
    assert {s: retry.intermediate_values[s] for s in killed_at} == killed_at
    assert sorted(retry.intermediate_values) == list(range(2, STEPS + 1, 2))
    assert retry.user_attrs["steps_done"] == STEPS
    assert not (tmp_path / "tiny_runs" / f"trial_{retry.number}").exists()  # used trial_0's folder
    numbers = [t.number for t in done]
    assert len(set(numbers)) == len(numbers)
