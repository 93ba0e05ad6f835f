"""Ray backend: a signal to the driver checkpoints the running trial at its next step (through the
study: preempt/ray_side.py), the run exits 75 with the trial queued, and a rerun resumes it with no
step trained twice or skipped."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
optuna = pytest.importorskip("optuna")

from optuna.trial import TrialState  # noqa: E402

from mahm_search.search.preempt import EXIT_PREEMPTED  # noqa: E402

pytestmark = pytest.mark.ray
TESTS = Path(__file__).parent
STEPS = 12
STUDY = f"""\
name: pre
backend: ray
n_trials: 1
sampler: {{type: random, seed: 0}}
pruner: {{type: none}}
base:
  train: {{steps: {STEPS}, eval_every: 4}}
space:
  train.lr: {{float: [1.0e-5, 1.0e-1], log: true}}
ray: {{cpus_per_trial: 1}}
"""
ENV = {**os.environ, "PYTHONPATH": str(TESTS.parent), "MAHM_FAKE_STEP_S": "0.3"}


def _trials(folder: Path):
    try:
        return optuna.load_study(study_name="pre", storage=f"sqlite:///{folder}/pre.db").get_trials()
    except Exception:
        return []


def test_a_signal_to_the_ray_driver_loses_no_step(tmp_path):
    sys.path.insert(0, str(TESTS))
    from support.preempt_fakes import steps_trained
    from support.signal_run import signal_after_first_eval

    rng = random.Random()
    sig = rng.choice([signal.SIGTERM, signal.SIGINT, signal.SIGUSR1])
    path = tmp_path / "pre.yaml"
    path.write_text(STUDY)
    cmd = [sys.executable, str(TESTS / "support" / "ray_preempt_driver.py"), str(path)]
    code, out, err = signal_after_first_eval(cmd, ENV, lambda: _trials(tmp_path), sig, rng, wait_s=300,
                                             jitter_s=1.0)
    assert code == EXIT_PREEMPTED, err[-3000:]
    assert [line for line in err.splitlines() if line.startswith("preempted:")], err[-3000:]
    stopped = _trials(tmp_path)[0]
    at = stopped.user_attrs["interrupted"]["step"]
    assert stopped.state == TrialState.FAIL and "error" not in stopped.user_attrs and 4 <= at < STEPS
    assert f"trial 0 preempted step {at}/{STEPS} reason {sig.name}" in out

    rerun = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    trials = _trials(tmp_path)
    retry = next(t for t in trials if t.system_attrs.get("failed_trial") == 0)
    assert retry.state == TrialState.COMPLETE and retry.user_attrs["resumed_from_step"] == at
    assert steps_trained(tmp_path / "pre_runs" / "trial_0") == list(range(1, STEPS + 1))  # 0 lost, 0 twice
    assert sorted(retry.intermediate_values) == [4, 8, 12]
    assert [t.number for t in trials if t.state == TrialState.COMPLETE] == [retry.number]
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
