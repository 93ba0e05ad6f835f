"""Intervals behind every number a study prints (status, summary, race, report), from scipy.stats
(not hand-written formulas).

A final score carries two kinds of noise:
- seed noise: the spread of one configuration's score over its repeats (seeds); a t interval over them;
- validation noise: a score is a mean over a finite validation set; its standard error over samples.
Two configurations scored on the same samples are compared paired (per-sample differences), which
removes most validation noise; seed noise is measured only with >= 2 seeds per configuration.

An interval exists only where the noise was measured: with one value, or with values that do not
spread at all (two seeds reaching a target at the same evaluation step), there is no interval (a
zero-width one would "exclude 0" and decide a finding on no evidence of the noise), and no p value.
Several comparisons read together are corrected with Holm's method (`holm`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple, Optional, Sequence

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
Z_POWER = 1.96 + 0.84  # two-sided 5% test at 80% power


@dataclass
class Interval:
    mean: float
    low: Optional[float]  # None when it cannot be estimated (n < 2, or the values do not spread)
    high: Optional[float]
    n: int
    p: Optional[float] = None  # the t test's two-sided p value for "mean is 0", where there is a test

    @property
    def known(self) -> bool:
        return self.low is not None

    def why_unknown(self) -> str:
        """Why there is no interval: '' when there is one."""
        if self.known:
            return ""
        if self.n < 2:
            return "n=0" if self.n == 0 else "n=1"
        return "zero spread"

    def bounds(self) -> Optional[list[float]]:
        """[low, high], or None without an interval (as status --json stores it)."""
        return [self.low, self.high] if self.known else None

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


def _ci(test, confidence: float) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """(low, high, p) of a scipy t test, or (None, None, None) when the values do not spread: scipy
    then gives NaN (older) or a zero-width interval with p 0 (>= 1.11), neither of which measures noise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = test()
        low, high = result.confidence_interval(confidence)
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        return None, None, None
    p = float(result.pvalue)
    return float(low), float(high), (p if math.isfinite(p) else None)


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean with its t interval over the values (e.g. one configuration's seeds)."""
    x = _finite(values)
    if len(x) == 0:
        return Interval(math.nan, None, None, 0)
    mean = float(x.mean())
    if len(x) < 2:
        return Interval(mean, None, None, 1)
    low, high, _ = _ci(lambda: stats.ttest_1samp(x, 0.0), confidence)
    return Interval(mean, low, high, len(x))


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
    low, high, p = _ci(lambda: stats.ttest_ind(x, y, equal_var=False), confidence)
    return Interval(diff, low, high, min(len(x), len(y)), p)


def paired(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """mean(a - b) over samples scored by both, with the paired t interval (n = samples)."""
    ok = np.isfinite(a) & np.isfinite(b)
    x, y = a[ok], b[ok]
    if len(x) < 2:
        return Interval(float(np.mean(x - y)) if len(x) else math.nan, None, None, len(x))
    diff = float(np.mean(x - y))
    low, high, p = _ci(lambda: stats.ttest_rel(x, y), confidence)
    return Interval(diff, low, high, len(x), p)


class Pooled(NamedTuple):
    std: float
    df: int  # degrees of freedom: the sum over the groups of (values - 1)


def pooled_std(groups: Sequence[Sequence[float]]) -> Optional[Pooled]:
    """Within-group standard deviation pooled over the groups with >= 2 values (per-seed noise), with
    its degrees of freedom; None when no group has 2 values or none spreads at all: as for an
    interval, zero spread measures no noise, and a zero std would make any difference "significant"."""
    num, df = 0.0, 0
    for g in groups:
        x = _finite(g)
        if len(x) >= 2:
            num += float(x.var(ddof=1)) * (len(x) - 1)
            df += len(x) - 1
    return Pooled(math.sqrt(num / df), df) if df and num > 0 else None


def seeds_to_resolve(s: Optional[float], d: float) -> Optional[int]:
    """Seeds per configuration to resolve a difference d at per-seed std s: n = 2 (z_a + z_b)^2 s^2 / d^2
    (5% two-sided, 80% power). None when s is unknown or d is 0. Size d from a difference that matters,
    never from an inconclusive comparison's observed one (mostly noise: the post-hoc power fallacy):
    the report gives `min_detectable_difference` at the seeds run instead."""
    if s is None or not d or not math.isfinite(d):
        return None
    return max(2, math.ceil(2 * Z_POWER ** 2 * s ** 2 / d ** 2))


def min_detectable_difference(s: Optional[float], n_a: int, n_b: int, alpha: float = 1 - CONFIDENCE,
                              power: float = 0.8) -> Optional[float]:
    """The smallest true difference a two-sided t test at level alpha would resolve with the given
    power, with n_a and n_b seeds at per-seed std s: (t_{1-alpha/2} + t_{power}) s sqrt(1/n_a + 1/n_b),
    df = n_a + n_b - 2 (the z formula undershoots at a handful of seeds). None without s or 2 seeds."""
    if s is None or not math.isfinite(s) or s <= 0 or n_a < 2 or n_b < 2:
        return None
    df = n_a + n_b - 2
    return float((stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) * s * math.sqrt(1 / n_a + 1 / n_b))


def holm(pvalues: Sequence[Optional[float]]) -> list[Optional[float]]:
    """Holm-Bonferroni adjusted p values over the family of the given tests (None: no test, not
    counted): sorted p_(1) <= ... <= p_(k), adjusted p_(i) = max_{j <= i} min(1, (k - j + 1) p_(j)).
    Rejecting where the adjusted p < alpha keeps the chance of any false rejection <= alpha."""
    tested = sorted((p, i) for i, p in enumerate(pvalues) if p is not None)
    k = len(tested)
    out: list[Optional[float]] = [None] * len(pvalues)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (k - rank) * p))
        out[i] = running
    return out


def signed(value: float, digits: int = 2) -> str:
    """'+1.23' / '-0.04'; a value that is not 0 gets the digits it needs not to print as 0 (up to 4),
    and one that still rounds to 0 prints unsigned ('0.00'), never '-0.00'."""
    if not math.isfinite(value):
        return "\u2013"
    shown = digits
    while shown < 4 and value != 0 and round(value, shown) == 0:
        shown += 1
    if round(value, shown) == 0:
        return f"{0:.{digits}f}"
    return f"{value:+.{shown}f}"


def p_text(p: float) -> str:
    """A p value as printed: '< 0.001', '0.004', '0.046', '0.12'; near 5% with the digits that tell
    which side of it it lies ('0.0496', not '0.050')."""
    if p < 0.001:
        return "< 0.001"
    if p >= 0.1:
        return f"{p:.2f}"
    digits = 3
    while digits < 6 and p != 0.05 and round(p, digits) == 0.05:
        digits += 1
    return f"{p:.{digits}f}"
