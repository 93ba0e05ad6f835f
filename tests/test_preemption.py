"""Graceful preemption: a signal checkpoints the running trial at its next step, the trial is queued
to resume (not counted), the run exits 75 with one line, and a rerun continues with no step lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
import torch
from optuna.trial import TrialState

from mahm_search.search.preempt import EXIT_PREEMPTED, graceful_signals
from mahm_search.train import preempt
from mahm_search.train.checkpoint import load_checkpoint
from mahm_search.train.trainer import train
from support.search import TINY_TRAIN, write_study
from support.signal_run import signal_after_first_eval
from support.trainer import Recorder, tiny_config

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


class AskToStopAfter(Recorder):
    """Asks for a stop (as a signal handler would) once step `at`'s loss is read (the trainer reads
    it while the next step runs)."""

    def __init__(self, at: int):
        super().__init__()
        self.at = at

    def step_end(self, step, loss):
        super().step_end(step, loss)
        if step == self.at:
            preempt.request("SIGTERM")


def test_a_stop_request_checkpoints_the_next_step_and_the_resume_is_exact(tmp_path):
    torch.set_num_threads(1)
    cfg = tiny_config(steps=6, eval_every=5)
    whole = train(cfg, Recorder(), run_dir=tmp_path / "whole")
    cut = AskToStopAfter(1)
    try:
        with pytest.raises(preempt.Preempted) as stopped:
            train(cfg, cut, run_dir=tmp_path / "cut")
    finally:
        preempt.clear()
    at = stopped.value.step
    assert at in (2, 3) and stopped.value.checkpointed  # the next step (not a checkpoint step: every 5)
    assert sorted(cut.losses) == list(range(1, at + 1))
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.pt")["step"] == at
    rest = Recorder()
    resumed = train(cfg, rest, run_dir=tmp_path / "cut")
    assert rest.info["start_step"] == at and sorted(rest.losses) == list(range(at + 1, 7))  # none redone or skipped
    assert [h["step"] for h in resumed.history] == [5, 6]
    assert resumed.history[-1]["score"] == pytest.approx(whole.history[-1]["score"], rel=1e-4)


def test_handlers_are_installed_only_inside_and_restored_after():
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)}
    with graceful_signals():
        assert all(signal.getsignal(s) is not h for s, h in before.items())
    # restored: library use keeps the caller's Ctrl-C (Python's default_int_handler, or SIG_IGN where the
    # suite was started in the background); nothing in train() installs a handler
    assert {s: signal.getsignal(s) for s in before} == before
    assert preempt.requested() is None


SCRIPT = """
import os, signal, sys, time
from mahm_search.search.preempt import graceful_signals
from mahm_search.train import preempt
with graceful_signals():
    os.kill(os.getpid(), signal.{first})
    time.sleep(0.05)
    print("requested", preempt.requested(), flush=True)
    os.kill(os.getpid(), signal.SIGUSR1)  # an echo (a forwarded copy, whichever signal): ignored
    time.sleep({gap})
    os.kill(os.getpid(), signal.{second})
    time.sleep(5)
print("still running after the second signal", flush=True)
"""


@pytest.mark.parametrize("first,second", [("SIGTERM", "SIGTERM"), ("SIGINT", "SIGINT"), ("SIGUSR1", "SIGTERM")])
def test_the_first_signal_asks_and_a_second_exits_at_once(first, second):
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(first=first, second=second, gap=1.2)],
                         capture_output=True, text=True, env=ENV, timeout=60)
    assert f"requested {first}" in out.stdout
    assert "still running" not in out.stdout  # it slept 5 s after the second signal: it did not wait
    assert out.returncode == 128 + getattr(signal, second), out.stderr
    assert f"preempt signal {second} again: exiting at once" in out.stdout


def _trials(folder: Path):
    try:
        return optuna.load_study(study_name="tiny", storage=f"sqlite:///{folder}/tiny.db").get_trials()
    except Exception:
        return []


STEPS = 24  # long enough after the first eval that the signal lands mid-training on an idle host


def test_a_signal_at_a_random_moment_loses_no_step_and_counts_no_trial_twice(tmp_path):
    rng = random.Random()
    sig = rng.choice([signal.SIGTERM, signal.SIGINT, signal.SIGUSR1])
    path = write_study(tmp_path, n_trials=1, train={**TINY_TRAIN, "steps": STEPS, "eval_every": 4})
    cmd = [sys.executable, "-m", "mahm_search.cli", "run", str(path)]
    code, out, err = signal_after_first_eval(cmd, ENV, lambda: _trials(tmp_path), sig, rng, wait_s=240,
                                             jitter_s=0.5, running=lambda t: t.state == TrialState.RUNNING)
    assert code == EXIT_PREEMPTED, err[-2000:]
    assert [line for line in err.splitlines() if line.startswith("preempted:")], err
    stopped = _trials(tmp_path)[0]
    interrupted = stopped.user_attrs["interrupted"]
    assert stopped.state == TrialState.FAIL and "error" not in stopped.user_attrs
    assert interrupted["reason"] == sig.name and interrupted["checkpointed"]
    assert f"trial 0 preempted step {interrupted['step']}/{STEPS} reason {sig.name}" in out
    ckpt = load_checkpoint(tmp_path / "tiny_runs" / "trial_0" / "checkpoint.pt")
    assert ckpt["step"] == interrupted["step"]  # what was trained is what was kept

    rerun = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=900)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    trials = _trials(tmp_path)
    retry = next(t for t in trials if t.system_attrs.get("failed_trial") == 0)
    assert retry.state == TrialState.COMPLETE and retry.params == stopped.params
    assert retry.user_attrs["resumed_from_step"] == interrupted["step"]  # 0 steps lost
    assert f"trial {retry.number} resumed step {interrupted['step']}/{STEPS} from trial_0/checkpoint.pt" in rerun.stdout
    assert sorted(retry.intermediate_values) == list(range(4, STEPS + 1, 4))
    assert retry.user_attrs["steps_done"] == STEPS
    counted = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert [t.number for t in counted] == [retry.number]  # n_trials: the preempted trial counted once
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
