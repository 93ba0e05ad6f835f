"""Intervals behind every number the report prints, from scipy.stats (not hand-written formulas).

A final score carries two kinds of noise:
- seed noise: the spread of one configuration's score over its repeats (seeds); a t interval over them;
- validation noise: a score is a mean over a finite validation set; its standard error over samples.
Two configurations scored on the same samples are compared paired (per-sample differences), which
removes most validation noise; seed noise is measured only with >= 2 seeds per configuration.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
Z_POWER = 1.96 + 0.84  # two-sided 5% test at 80% power


@dataclass
class Interval:
    mean: float
    low: Optional[float]  # None when it cannot be estimated (n < 2)
    high: Optional[float]
    n: int

    @property
    def known(self) -> bool:
        return self.low is not None

    def excludes_zero(self) -> bool:
        return self.known and (self.low > 0 or self.high < 0)

    def text(self, digits: int = 1) -> str:
        """'[a, b]', or a dash when there is no interval (one seed). A bound that is not 0 gets the
        digits it needs not to print as 0.0: "[-1.3, -0.0]" would read as touching 0, which decides
        a finding."""
        if not self.known:
            return "\u2013"
        while digits < 4 and any(v != 0 and round(v, digits) == 0 for v in (self.low, self.high)):
            digits += 1
        return f"[{self.low:.{digits}f}, {self.high:.{digits}f}]"


def _finite(values: Sequence[float]) -> np.ndarray:
    x = np.asarray([v for v in values if v is not None], dtype=float)
    return x[np.isfinite(x)]


def _ci(test, confidence: float, centre: float) -> tuple[float, float]:
    with warnings.catch_warnings():  # identical values: scipy warns and gives NaN, handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = test().confidence_interval(confidence)
    if not (math.isfinite(low) and math.isfinite(high)):  # zero spread: scipy gives NaN
        return centre, centre
    return float(low), float(high)


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean with its t interval over the values (e.g. one configuration's seeds)."""
    x = _finite(values)
    if len(x) == 0:
        return Interval(math.nan, None, None, 0)
    mean = float(x.mean())
    if len(x) < 2:
        return Interval(mean, None, None, 1)
    return Interval(mean, *_ci(lambda: stats.ttest_1samp(x, 0.0), confidence, mean), len(x))


def seed_std(values: Sequence[float]) -> Optional[float]:
    x = _finite(values)
    return float(x.std(ddof=1)) if len(x) >= 2 else None


def val_se(per_sample: Sequence[Optional[float]]) -> Optional[float]:
    """Standard error of a score over its validation samples (None without per-sample errors)."""
    x = _finite(per_sample)
    return float(stats.sem(x)) if len(x) >= 2 else None


def welch(a: Sequence[float], b: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """mean(a) - mean(b) with Welch's t interval (seeds of two configurations); no interval if n < 2."""
    x, y = _finite(a), _finite(b)
    diff = float(x.mean() - y.mean()) if len(x) and len(y) else math.nan
    if len(x) < 2 or len(y) < 2:
        return Interval(diff, None, None, min(len(x), len(y)))
    return Interval(diff, *_ci(lambda: stats.ttest_ind(x, y, equal_var=False), confidence, diff), min(len(x), len(y)))


def paired(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """mean(a - b) over samples scored by both, with the paired t interval (n = samples)."""
    ok = np.isfinite(a) & np.isfinite(b)
    x, y = a[ok], b[ok]
    if len(x) < 2:
        return Interval(float(np.mean(x - y)) if len(x) else math.nan, None, None, len(x))
    diff = float(np.mean(x - y))
    return Interval(diff, *_ci(lambda: stats.ttest_rel(x, y), confidence, diff), len(x))


def pooled_std(groups: Sequence[Sequence[float]]) -> Optional[float]:
    """Within-group standard deviation pooled over the groups with >= 2 values (per-seed noise)."""
    num = den = 0.0
    for g in groups:
        x = _finite(g)
        if len(x) >= 2:
            num += float(x.var(ddof=1)) * (len(x) - 1)
            den += len(x) - 1
    return math.sqrt(num / den) if den else None


def seeds_to_resolve(s: Optional[float], d: float) -> Optional[int]:
    """Seeds per configuration to resolve a difference d at per-seed std s: n = 2 (z_a + z_b)^2 s^2 / d^2
    (5% two-sided, 80% power). None when s is unknown or d is 0."""
    if s is None or not d or not math.isfinite(d):
        return None
    return max(2, math.ceil(2 * Z_POWER ** 2 * s ** 2 / d ** 2))
