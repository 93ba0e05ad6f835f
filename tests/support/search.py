"""Shared helpers for the search tests: a tiny study file (64x64, resnet18 x0.25, a few steps)."""

from __future__ import annotations

from pathlib import Path

import yaml

TINY_BASE = {
    "arch": {"backbone": "resnet18", "width_mult": 0.25, "input_size": 64, "split_dim": 32,
             "cascade_widths": [32], "attention_heads": 1, "ief_iters": 1},
    "data": {"synthetic": {"n_train": 16, "n_val": 8}},
}
TINY_TRAIN = {"steps": 4, "eval_every": 2, "batch_size": 4, "warmup_steps": 0}


def write_study(folder: Path, name: str = "tiny", **overrides) -> Path:
    study = {
        "name": name,
        "sampler": {"type": "random", "seed": 0},
        "pruner": {"type": "none"},
        "n_trials": 2,
        "train": dict(TINY_TRAIN),
        "base": TINY_BASE,
        "space": {"train.lr": {"float": [1.0e-4, 1.0e-3], "log": True}},
        "heartbeat": {"interval": 1, "grace_period": 3, "max_retry": 2},
    }
    study.update(overrides)
    path = Path(folder) / f"{name}.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path


def fake_train(calls: list, fail_on: dict | None = None):
    """Stands in for train.trainer.train: two evals in milliseconds, or raises fail_on[call number]
    after the first eval (the trial's checkpoint-free curve is then {2: 50.0})."""
    from mahm_search.train.result import TrainResult

    fail_on = fail_on or {}

    def train(config, reporter, run_dir):
        calls.append(config)
        reporter.start({"params_count": 7, "start_step": 0})
        if len(calls) - 1 in fail_on:
            reporter.report(2, {"score": 50.0})
            raise fail_on[len(calls) - 1]
        history = []
        for step in (2, 4):
            metrics = {"score": 100.0 / step + config.train.lr}
            reporter.step_end(step, 0.5)
            reporter.report(step, metrics)
            history.append({"step": step, **metrics})
        return TrainResult(status="complete", message="", history=history, steps_done=4, wall_time_s=0.1,
                           memory_peak_bytes=123, params_count=7, final_metrics=history[-1])

    return train


def use_fake_trainer(monkeypatch, calls: list, fail_on: dict | None = None) -> None:
    """The fake trainer, and no memory estimate (every config fits), for in-process runs."""
    from mahm_search.memory import unplanned
    from mahm_search.search import trial as trial_module

    monkeypatch.setattr(trial_module, "plan_memory", lambda c, b, d: unplanned(c))
    monkeypatch.setattr("mahm_search.train.trainer.train", fake_train(calls, fail_on))


class Deadline:
    """A test that would hang fails instead: SIGALRM raises in the main thread (time.sleep included)."""

    def __init__(self, seconds: int):
        self.seconds = seconds

    def __enter__(self):
        import signal

        def expired(signum, frame):
            raise TimeoutError(f"still running after {self.seconds} s (it would hang)")

        self.previous = signal.signal(signal.SIGALRM, expired)
        signal.alarm(self.seconds)
        return self

    def __exit__(self, *exc):
        import signal

        signal.alarm(0)
        signal.signal(signal.SIGALRM, self.previous)
