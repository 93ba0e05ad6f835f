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
    """Stands in for train.trainer.train: the one stand-in loop (fake_trainer.fake_steps) in
    milliseconds, with no checkpoint, scoring 100/step + lr at each eval (steps 2 and 4 of TINY_TRAIN),
    params_count 7 and a 123-byte peak. Each config trained is appended to `calls`; the call numbered
    k in fail_on scores 100/step and raises fail_on[k] after its first eval (its checkpoint-free curve
    is then {2: 50.0})."""
    from .fake_trainer import fake_steps

    fail_on = fail_on or {}

    def train(config, reporter, run_dir):
        error = fail_on.get(len(calls))

        def fail(step):
            raise error

        lr = 0.0 if error is not None else config.train.lr
        return fake_steps(config, reporter, run_dir, metrics=lambda c, step: {"score": 100.0 / step + lr},
                          checkpoint=False, loss=lambda step: 0.5, params_count=7, memory_peak_bytes=123,
                          calls=calls, after_eval=fail if error is not None else None)

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
