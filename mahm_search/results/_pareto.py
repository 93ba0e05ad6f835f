"""The Pareto front of a multi-objective study, over configurations (seeds pooled), and how sure it is.

A configuration's point is the mean of each objective over its completed seeds, with the t interval
of each (_stats.mean_ci). The front is the set of points no other point dominates (as good in every
objective and better in one). Its uncertainty over seeds: the seeds of every configuration are
resampled with replacement (a bootstrap, `n_boot` times) and the front recomputed; each
configuration's `front_share` is the fraction of resamples in which it is non-dominated. A share near
1 is a robust member; a share between is a configuration the seeds cannot place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ._stats import Interval, mean_ci
from ._study import StudyResults

N_BOOT = 1000


@dataclass
class ParetoPoint:
    key: str
    params: dict
    values: list[list[float]]  # per completed seed, one value per objective
    intervals: list[Interval]  # per objective: the mean over seeds and its 95% interval
    on_front: bool  # non-dominated by the means
    front_share: float  # fraction of seed resamples in which it is non-dominated

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def means(self) -> list[float]:
        return [i.mean for i in self.intervals]


def non_dominated(points: np.ndarray, maximize: Sequence[bool]) -> np.ndarray:
    """Boolean mask of the rows of `points` (n, k) that no other row dominates."""
    x = np.where(np.asarray(maximize, dtype=bool), -points, points)  # all minimised
    no_worse = (x[:, None, :] <= x[None, :, :]).all(axis=2)  # [j, i]: j is no worse than i everywhere
    better = (x[:, None, :] < x[None, :, :]).any(axis=2)
    dominated = (no_worse & better).any(axis=0)
    return ~dominated


def pareto_front(results: StudyResults, maximize: Sequence[bool], n_boot: int = N_BOOT,
                 seed: int = 0) -> list[ParetoPoint]:
    """Every configuration with a completed seed that has all objectives, front members first (by the
    first objective), then the rest (by their front share, then the first objective)."""
    configs = []
    for c in results.configurations.values():
        values = [list(map(float, t.values)) for t in c.done if t.values and len(t.values) == len(maximize)
                  and all(np.isfinite(t.values))]
        if values:
            configs.append((c, np.asarray(values)))
    if not configs:
        return []
    means = np.stack([v.mean(axis=0) for _, v in configs])
    on_front = non_dominated(means, maximize)
    shares = _bootstrap_shares([v for _, v in configs], maximize, n_boot, seed)
    points = [ParetoPoint(key=c.key, params=c.params, values=v.tolist(),
                          intervals=[mean_ci(v[:, j].tolist()) for j in range(v.shape[1])],
                          on_front=bool(on_front[i]), front_share=float(shares[i]))
              for i, (c, v) in enumerate(configs)]
    sign = -1.0 if maximize[0] else 1.0
    return sorted(points, key=lambda p: (not p.on_front, 0.0 if p.on_front else -p.front_share,
                                         sign * p.means[0]))


def _bootstrap_shares(values: list[np.ndarray], maximize: Sequence[bool], n_boot: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = np.zeros(len(values))
    for _ in range(n_boot):
        resampled = np.stack([v[rng.integers(0, len(v), size=len(v))].mean(axis=0) for v in values])
        counts += non_dominated(resampled, maximize)
    return counts / n_boot


def front_keys(points: Sequence[ParetoPoint]) -> list[str]:
    return [p.key for p in points if p.on_front]


def robust_share(points: Sequence[ParetoPoint], threshold: float = 0.95) -> Optional[float]:
    """The fraction of front members that stay non-dominated in >= `threshold` of the resamples."""
    front = [p for p in points if p.on_front]
    return sum(p.front_share >= threshold for p in front) / len(front) if front else None
