"""From replay logs to the measures: the probability of a correct answer against compute, C95 (the least
compute from which it stays >= 0.95) with a bootstrap interval over replays, anytime regret, and the
share of significant claims that are wrong."""

from __future__ import annotations

import math

import numpy as np

from .replay import Log
from .table import Table
from .tasks import TASKS, Truth

TARGET = 0.95
N_BOOT = 1000


def budget_grid(table: Table, points: int = 30, max_configs: int | None = None) -> np.ndarray:
    """Geometric grid from one full single-seed run of the cheapest config to training the whole table
    (or, for a large table, max_configs configurations of median cost with all their seeds)."""
    per_run = np.zeros(len(table.params))
    per_run[table.feasible] = table.steps[-1] * np.nanmean(table.s_per_step[table.feasible], axis=1)
    lo = float(np.nanmin(per_run[table.feasible]))
    hi = float(np.nansum(per_run[table.feasible]) * table.n_seeds)
    if max_configs is not None:
        hi = min(hi, float(np.nanmedian(per_run[table.feasible])) * table.n_seeds * max_configs)
    return np.geomspace(lo, hi, points)


SCORED = ("correct", "significant", "regret", "claim_true")  # what Truth.score returns, in its order


def score_logs(truth: Truth, logs: list[Log], grid: np.ndarray, mult: float = 1.0, tasks=TASKS) -> dict:
    """task -> {name in SCORED: array [replays, grid points]}; a contender with mult > 1 is judged at B
    from what it finished by mult * B."""
    out = {t: {k: np.zeros((len(logs), len(grid)), dtype=float if k == "regret" else bool) for k in SCORED}
           for t in tasks}
    for r, log in enumerate(logs):
        for g, budget in enumerate(grid):
            runs, stated = log.state_at(budget * mult)
            for t in tasks:
                for k, v in zip(SCORED, truth.score(t, runs, stated)):
                    out[t][k][r, g] = v
    return out


def c95(correct: np.ndarray, grid: np.ndarray, target: float = TARGET) -> float:
    """The least budget on the grid from which the share of correct replays stays >= target (inf: never)."""
    ok = correct.mean(axis=0) >= target
    if not ok[-1]:
        return math.inf
    bad = np.flatnonzero(~ok)
    return float(grid[bad[-1] + 1] if len(bad) else grid[0])


def c95_interval(correct: np.ndarray, grid: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """A 95% bootstrap interval of C95 over the replays (resampled with replacement)."""
    rng = np.random.default_rng(seed)
    n = len(correct)
    boots = [c95(correct[rng.integers(0, n, n)], grid) for _ in range(N_BOOT)]
    return float(np.percentile(boots, 2.5, method="lower")), float(np.percentile(boots, 97.5, method="higher"))


def wrong_significant(scored: dict, about: str = "claim_true") -> tuple[float, int]:
    """(share of (replay, budget) states with a significant claim that is false, number of claims).
    about="claim_true": judged as the claim is stated (for the best: among the configurations tried);
    about="correct": judged against the whole table's answer."""
    sig, true = scored["significant"], scored[about]
    claims = int(sig.sum())
    return (float((sig & ~true).sum() / claims) if claims else 0.0), claims
