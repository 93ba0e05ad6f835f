"""The tasks a search is judged on, and their truth from the full table.

- best: the configuration with the best mean over its finished seeds (ties: more seeds) is correct when
  its true all-seed mean is within one seed-std (pooled over the table's configurations) of the best.
- ablations (self-attention, depth, heatmap): the verdict "A better" / "B better" / "inconclusive" at
  95%: a least-squares fit of every finished seed's final score on all the factors' main effects
  (categorical dummies), and a t test of the factor's coefficient. Adjusting for the other factors
  keeps a search's unbalanced sample (TPE crowds the good region) from confounding the verdict. The
  truth is the same rule on the whole table; a verdict is correct when it equals the truth's.
"""

from __future__ import annotations

import json
import math
from typing import Optional

import numpy as np
from scipy import stats

from .table import Table

ALPHA = 0.05
MIN_PAIRS = 3


def _depth_columns(p: dict) -> list:
    w = p["arch.cascade_widths"]
    return [float(max(w) >= 256), float(len(w) == 1), float(len(w) >= 5)]  # the last one is tested


# factor -> (its tested column of a config: 0 = level A, 1 = level B, the other columns it brings)
ABLATIONS = {
    "self_attention": "arch.self_attention",  # A: off, B: on
    "heatmap": "arch.heatmap",  # A: none, B: any heatmap
    "depth": "arch.cascade_widths",  # A: 3 stages (1 if no 3 is seen), B: 5 stages, adjusted for width class
}


def _columns(p: dict) -> dict:
    """The design columns of a config: dummies of every factor; the cascade as width class and depth."""
    cols = {}
    for name, value in sorted(p.items()):
        if name == "arch.cascade_widths":
            cols["wide"], cols["depth1"], cols["arch.cascade_widths"] = _depth_columns(p)
        elif name == "arch.self_attention":
            cols[name] = float(bool(value))
        elif name == "arch.heatmap":
            cols[name] = float(value != "none")
        else:
            cols[f"{name}={json.dumps(value)}"] = 1.0
    return cols


TASKS = ("best", *ABLATIONS)


def seed_std(table: Table) -> float:
    f = table.final[table.feasible]
    var = np.nanvar(f, axis=1, ddof=1) if f.shape[1] > 1 else np.zeros(len(f))
    return float(np.sqrt(np.nanmean(var)))


def chosen(runs: dict) -> Optional[int]:
    if not runs:
        return None
    return min(runs, key=lambda c: (float(np.mean(runs[c])), -len(runs[c])))


def welch_resolved(runs: dict) -> bool:
    """The report's rule: the best mean shown better than every other configuration (Welch, 95%)."""
    best = chosen(runs)
    if best is None or len(runs) < 2 or len(runs[best]) < 2:
        return False
    for c, r in runs.items():
        if c != best and (len(r) < 2 or not stats.ttest_ind(r, runs[best], equal_var=False).pvalue < ALPHA):
            return False
    return True


def verdict(table: Table, runs: dict, factor: str) -> str:
    rows = [(_columns(table.params[c]), x) for c, r in runs.items() for x in r]
    if not rows:
        return "inconclusive"
    names = sorted({k for cols, _ in rows for k in cols})
    X = np.array([[cols.get(k, 0.0) for k in names] for cols, _ in rows])
    y = np.array([x for _, x in rows])
    target = ABLATIONS[factor]
    if target not in names:
        return "inconclusive"
    keep = [j for j in range(X.shape[1]) if np.ptp(X[:, j]) > 0]
    if names.index(target) not in keep:
        return "inconclusive"
    fit = _independent(np.column_stack([np.ones(len(y)), X[:, keep]]), 1 + keep.index(names.index(target)))
    if fit is None and "depth1" in names and names.index("depth1") in keep:
        # only 1- and 5-stage cascades seen: the depth verdict is then 5 stages against 1
        keep.remove(names.index("depth1"))
        fit = _independent(np.column_stack([np.ones(len(y)), X[:, keep]]), 1 + keep.index(names.index(target)))
    if fit is None:
        return "inconclusive"
    X = fit
    X, t_col = X
    df = len(y) - X.shape[1]
    if df < 2:
        return "inconclusive"
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    sigma2 = resid @ resid / df
    cov = sigma2 * np.linalg.pinv(X.T @ X)
    se = math.sqrt(max(cov[t_col, t_col], 0.0))
    if se == 0.0:
        return "inconclusive" if beta[t_col] == 0 else ("B better" if beta[t_col] < 0 else "A better")
    p = 2 * stats.t.sf(abs(beta[t_col] / se), df)
    if not p < ALPHA:
        return "inconclusive"
    return "B better" if beta[t_col] < 0 else "A better"


def _independent(X: np.ndarray, t_col: int):
    """(X with the tested column first and a maximal independent set of the others, 0), or None when
    the tested column lies in the span of the others (its effect is not estimable from these runs)."""
    others = [j for j in range(X.shape[1]) if j != t_col]
    if np.linalg.matrix_rank(X) == np.linalg.matrix_rank(X[:, others]):
        return None
    chosen: list = []
    for j in others:  # the intercept (column 0) first
        if np.linalg.matrix_rank(X[:, chosen + [j]]) == len(chosen) + 1:
            chosen.append(j)
    return X[:, [t_col] + chosen], 0


class Truth:
    """The table's answers: best config, seed std, each ablation's full-data verdict."""

    def __init__(self, table: Table):
        self.table = table
        self.means = np.where(table.feasible, np.nanmean(np.where(table.feasible[:, None], table.final, 0.0), axis=1),
                              np.inf)
        self.best = int(np.argmin(self.means))
        self.sd = seed_std(table)
        factors = [f for f, col in ABLATIONS.items() if col in table.params[0]]  # none on external tables
        full = {c: [float(x) for x in table.final[c] if np.isfinite(x)] for c in np.flatnonzero(table.feasible)} \
            if factors else {}
        self.verdicts = {f: verdict(table, full, f) for f in factors}

    def score(self, task: str, runs: dict, stated: Optional[bool]) -> tuple[bool, bool, float, bool]:
        """(correct, stated as significant, regret in mm, claim true) of a search's state on one task.

        A significant claim about the best is a claim about the configurations tried ("X is better than
        the others tried"): it is true when X's true mean is within one seed-std of the best tried one.
        `correct` asks more (within one seed-std of the whole table's best)."""
        if task == "best":
            c = chosen(runs)
            regret = float(self.means[c] - self.means[self.best]) if c is not None else np.inf
            sig = welch_resolved(runs) if stated is None else bool(stated)
            claim_true = c is not None and self.means[c] - min(self.means[k] for k in runs) <= self.sd
            return regret <= self.sd, sig, regret, bool(claim_true)
        v = verdict(self.table, runs, task)
        return v == self.verdicts[task], v != "inconclusive", np.nan, v == self.verdicts[task]
