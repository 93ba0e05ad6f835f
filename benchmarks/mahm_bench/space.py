"""MAHM-Bench's configuration space and the tiny CPU recipe every configuration is trained with.

The space is a full product of the factors the issue names (cascade widths and depth, self-attention,
heatmap, pose representation, lr, batch, loss balance); `configs(n)` is a deterministic subset, the
same for every build, so a table of n configurations is the first n of one fixed shuffle and a larger
build extends a smaller one.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random

# Each factor's levels. Widths: depth 1/3/5 at 64 wide, depth 3 and 5 at 128-256 wide (the wide ones
# are the memory-heavy corner, where the budget cuts).
FACTORS = {
    "arch.cascade_widths": [[64], [64, 32, 64], [64, 32, 16, 32, 64], [256, 128, 256], [256, 128, 64, 128, 256]],
    "arch.self_attention": [False, True],
    "arch.heatmap": ["none", "integral"],
    "arch.pose_repr": ["axis_angle", "pca"],
    "train.lr": [1.0e-3, 4.0e-3],
    "train.batch_size": [32, 64],
    "loss.balance": ["none", "auto"],
}

# The learnable recipe (studies/figure1_cascade_depth.yaml: gloved hands, natural pose spread, PA-MPJPE
# and pose losses) at the quickstart's size (resnet18 x0.25 at 64 px, 512 training samples), 150 steps:
# one (config, seed) trains in 17-24 s on a quiet 2-core CPU and ends at 0.74-0.84x the blind score
# (batch 64 / 32; at batch 8-16, or 60 steps, the networks were still at 0.9-1.0x: nothing to compare).
BASE = {
    "arch": {"backbone": "resnet18", "width_mult": 0.25, "input_size": 64, "split_dim": 64, "attention_heads": 2},
    "data": {"source": "synthetic", "synthetic": {"n_train": 512, "n_val": 32}},
    "train": {"steps": 150, "eval_every": 10, "warmup_steps": 5, "device": "cpu"},
    "loss": {"weights": {"heatmap": 10.0, "joints_pa": 3.0, "pose": 30.0}},
}


def all_configs() -> list[dict]:
    """Every configuration of the space as {dotted path: value}, in product order."""
    names = list(FACTORS)
    return [dict(zip(names, values)) for values in itertools.product(*FACTORS.values())]


def configs(n: int | None = None) -> list[dict]:
    """The first n configurations of one fixed shuffle of the space (all of them for None)."""
    every = all_configs()
    random.Random(0).shuffle(every)
    return every if n is None else every[:n]


def config_key(params: dict) -> str:
    """A short stable key of a configuration (its params' sorted JSON)."""
    return hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def depth(params: dict) -> int:
    return len(params["arch.cascade_widths"])


def tree(params: dict, seed: int, steps: int | None = None) -> dict:
    """The TrialConfig tree of (params, seed): BASE with the params set and train.seed = seed."""
    import copy

    out = copy.deepcopy(BASE)
    for dotted, value in params.items():
        node = out
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    out["train"]["seed"] = seed
    if steps is not None:
        out["train"]["steps"] = steps
    return out
