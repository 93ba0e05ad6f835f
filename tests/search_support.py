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
