"""A deterministic fake table with a known best configuration and known ablation verdicts, for the
harness's smoke test and for trying contenders without a trained table."""

from __future__ import annotations

import itertools

import numpy as np

from .table import Table

FAKE_FACTORS = {
    "arch.cascade_widths": [[64], [64, 32, 16, 32, 64]],
    "arch.self_attention": [False, True],
    "arch.heatmap": ["none", "integral"],
    "train.lr": [1.0e-3, 4.0e-3],
}
# True effects on the final score (mm, lower is better): self-attention helps by 3 mm, the heatmap by
# 6 mm, depth by nothing, lr 4e-3 by 1 mm; seeds spread SEED_SD. Known verdicts: self_attention
# "B better", heatmap "B better", depth "inconclusive".
EFFECTS = {"arch.self_attention": {True: -3.0}, "arch.heatmap": {"integral": -6.0}, "train.lr": {4.0e-3: -1.0}}
SEED_SD = 0.5


def fake_table(seeds: int = 5, evals: int = 6, seed: int = 0) -> Table:
    rng = np.random.default_rng(seed)
    names = list(FAKE_FACTORS)
    params = [dict(zip(names, v)) for v in itertools.product(*FAKE_FACTORS.values())]
    true = np.array([40.0 + sum(EFFECTS.get(n, {}).get(p[n] if not isinstance(p[n], list) else None, 0.0)
                                for n in names) for p in params])
    steps = np.arange(1, evals + 1) * 10
    shape = np.exp(-np.arange(evals) / 2.0)  # each curve decays from final + 20 mm to its final score
    finals = true[:, None] + rng.normal(0, SEED_SD, (len(params), seeds))
    curves = finals[:, :, None] + 20.0 * (shape - shape[-1])[None, None, :]
    depth5 = np.array([len(p["arch.cascade_widths"]) == 5 for p in params])
    feasible = ~(depth5 & np.array([p["arch.self_attention"] and p["train.lr"] == 1.0e-3 for p in params]))
    curves[~feasible] = np.nan
    sps = np.where(depth5, 0.2, 0.1)[:, None] * np.ones((1, seeds))
    die = np.where(feasible, 0.0, 0.3)
    return Table(params, [str(i) for i in range(len(params))], steps, curves, curves.copy(), sps, feasible, die, 60.0)
