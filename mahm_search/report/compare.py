"""Is configuration (or level) A better than B? The report's one rule for saying so.

"A is better" needs the 95% interval of mean(A) - mean(B) to exclude 0 for every noise that can be
measured: over seeds (Welch; needs >= 2 seeds on each side that do not all score the same, otherwise
seed noise is unknown and the answer is "inconclusive"), and, when both were scored on the same
validation samples with per-sample errors kept, also paired over those samples (validation noise).
The comparison's p value is the larger of the two tests' (it rejects only where both do). When
several comparisons are read together (the findings), `holm_adjust` corrects them for multiplicity:
a verdict then also needs its Holm-adjusted p value < 5%. Otherwise: "inconclusive", with the
smallest difference the seeds run could resolve (not a seed count sized from the observed difference,
which is mostly noise when the result is inconclusive).

A factor's level that pools trials of several configurations is compared "over trials" (unit), not
over seeds: its spread also holds the other factors' effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Optional, Sequence

import numpy as np

from .records.records import StudyTrial
from ..results import (CONFIDENCE, Interval, holm, min_detectable_difference, p_text, paired, seed_std,
                      signed, welch)

Metric = Literal["final", "best"]
METRIC_TEXT = {"final": "final score", "best": "best score any evaluation reached"}


@dataclass
class Comparison:
    diff: float  # mean(A) - mean(B), mm
    seeds: Interval  # Welch over seeds (or over trials, see unit); unknown with one seed or zero spread
    samples: Optional[Interval]  # paired over validation samples, when both share them
    verdict: str  # "A" | "B" | "inconclusive": which one is better
    n_a: int
    n_b: int
    spread: Optional[float] = None  # per-seed std used to size the advice, mm
    p: Optional[float] = None  # the comparison's p value (max of its tests'); None: no test possible
    p_adjusted: Optional[float] = None  # Holm-adjusted over its family (holm_adjust)
    family: int = 1  # how many tested comparisons the adjustment ran over
    corrected: bool = False  # resolved at 95% alone, inconclusive after the multiplicity correction
    unit: str = "seeds"  # what the Welch interval runs over: "seeds", or "trials" for pooled levels
    metric: str = "final"
    spread_is_study: bool = False  # spread is the study's pooled per-seed std (a side has one seed)

    def describe(self, maximize: bool) -> str:
        """'-1.62 mm, 95% CI over seeds [-2.90, -0.30] (Welch, n=3 vs 3); paired over 32 ...'."""
        parts = [f"{signed(self.diff)} mm"]
        if self.seeds.known:
            parts.append(f"95% CI over {self.unit} {self.seeds.text(2)} (Welch, n={self.n_a} vs {self.n_b})")
        elif self.seeds.why_unknown() == "zero spread":
            parts.append(f"no CI over {self.unit} (n={self.n_a} vs {self.n_b}: zero spread, the values are "
                         "identical on both sides, so their noise is unmeasured)")
        else:
            parts.append(f"no CI over {self.unit} (n={self.n_a} vs {self.n_b}; needs >= 2 each)")
        if self.samples is not None and self.samples.known:
            parts.append(f"paired over {self.samples.n} validation samples {self.samples.text(2)}")
        elif self.samples is not None and self.samples.why_unknown() == "zero spread":
            parts.append(f"paired over {self.samples.n} validation samples: no CI (zero spread)")
        if self.p_adjusted is not None:
            parts.append(f"Holm-adjusted p {p_text(self.p_adjusted)} over {self.family} comparisons" if self.family > 1
                         else f"p {p_text(self.p_adjusted)}, the only comparison: no correction needed")
        return ", ".join(parts)

    def advice(self) -> str:
        """For an inconclusive result: what the data could resolve, and what would help."""
        if self.verdict != "inconclusive":
            return ""
        alpha = (1 - CONFIDENCE) / max(1, self.family)  # Bonferroni: Holm's strictest step
        level = f"5%/{self.family}, the correction's strictest step" if self.family > 1 else "5%"
        if self.corrected:
            return (f"its 95% CI alone excludes 0, but its p value does not survive the correction for the "
                    f"{self.family} comparisons read together")
        if self.seeds.excludes_zero():  # only the paired interval over validation samples contains 0
            return ("more seeds would not obviously help: the seeds' interval already excludes 0, the paired "
                    "interval over validation samples does not (the validation set's size limits it)")
        if self.n_a < 2 or self.n_b < 2:
            text = (f"its {self._seed()}-to-{self._seed()} spread is unknown (run >= 2 seeds per configuration: "
                    "`repeats`)")
            mdd = min_detectable_difference(self.spread, 3, 3, alpha)
            if mdd is not None and self.spread_is_study:
                text += (f"; at the study's per-seed std ({self.spread:.2f} mm), 3 seeds each would resolve "
                         f"differences >= {mdd:.2f} mm (80% power, t test at {level})")
            return text
        if self.seeds.why_unknown() == "zero spread":
            return "the seeds score identically, so their noise is unmeasured; more seeds would measure it"
        mdd = min_detectable_difference(self.spread, self.n_a, self.n_b, alpha)
        if mdd is None:
            return ""
        return (f"with {self.n_a} and {self.n_b} {self.unit} this comparison resolves differences >= {mdd:.2f} mm "
                f"(80% power, t test at {level}, per-{self._seed()} std {self.spread:.2f} mm); about 4x as many "
                f"{self.unit} would at least halve that")

    def _seed(self) -> str:
        return "seed" if self.unit == "seeds" else "trial"


def _completed(trials: Sequence[StudyTrial], metric: str = "final") -> list[StudyTrial]:
    return [t for t in trials if t.state == "COMPLETE" and getattr(t, metric) is not None]


def finals(trials: Sequence[StudyTrial]) -> list[float]:
    return [t.final for t in _completed(trials)]


def scores(trials: Sequence[StudyTrial], metric: str = "final") -> list[float]:
    return [getattr(t, metric) for t in _completed(trials, metric)]


def compare(a: Sequence[StudyTrial], b: Sequence[StudyTrial], maximize: bool,
            fallback_std: Optional[float] = None, confidence: float = CONFIDENCE,
            metric: Metric = "final", unit: str = "seeds") -> Comparison:
    """A vs B over their completed trials, on their final score (or the best score any evaluation
    reached, metric="best": no paired interval then, the per-sample errors are the last evaluation's).
    fallback_std: the study's pooled per-seed spread, used to size the advice when a side has one seed.
    unit: "trials" where A and B pool different configurations (a factor's levels)."""
    fa, fb = scores(a, metric), scores(b, metric)
    seeds = welch(fa, fb, confidence)
    samples = paired_samples(a, b, confidence) if metric == "final" else None
    intervals = [seeds] + ([samples] if samples is not None and samples.known else [])
    signs = {math.copysign(1, iv.low) for iv in intervals if iv.excludes_zero()}
    resolved = seeds.known and all(iv.excludes_zero() for iv in intervals) and len(signs) == 1
    verdict = "inconclusive"
    if resolved:
        a_higher = seeds.mean > 0
        verdict = "A" if a_higher == maximize else "B"
    p = None
    if seeds.p is not None:  # both tests must reject, in the same direction: the larger p decides
        p = max([iv.p for iv in intervals if iv.p is not None]) if len(signs) <= 1 else 1.0
    spread = [s for s in (seed_std(fa), seed_std(fb)) if s is not None]
    own = len(spread) == 2  # the spread the Welch test itself runs on
    s = math.sqrt(np.mean(np.square(spread))) if own else fallback_std
    return Comparison(diff=seeds.mean, seeds=seeds, samples=samples, verdict=verdict, n_a=len(fa), n_b=len(fb),
                      spread=s, p=p, unit=unit, metric=metric, spread_is_study=not own and s is not None)


def holm_adjust(comparisons: Sequence[Comparison], confidence: float = CONFIDENCE) -> int:
    """Holm-Bonferroni over the comparisons that have a test: sets p_adjusted and family, and turns a
    verdict whose adjusted p is not below 1 - confidence into "inconclusive" (corrected). Returns the
    family's size."""
    adjusted = holm([c.p for c in comparisons])
    k = sum(p is not None for p in adjusted)
    for c, p in zip(comparisons, adjusted):
        c.p_adjusted, c.family = p, max(1, k)
        if c.verdict != "inconclusive" and (p is None or p >= 1 - confidence):
            c.verdict, c.corrected = "inconclusive", True
    return k


def paired_samples(a: Sequence[StudyTrial], b: Sequence[StudyTrial],
                   confidence: float = CONFIDENCE) -> Optional[Interval]:
    """Per sample: A's seeds' mean error minus B's, paired t interval over samples; None unless every
    completed trial of both kept per-sample errors on the same validation samples."""
    a, b = _completed(a), _completed(b)
    if not a or not b or not same_samples([*a, *b]):
        return None
    mean_a, mean_b = _sample_means(a), _sample_means(b)
    if mean_a is None or mean_b is None:
        return None
    return paired(mean_a, mean_b, confidence)


def same_samples(trials: Sequence[StudyTrial]) -> bool:
    """All scored on one validation set: same number of samples, same ids (when the data has them),
    same data settings (the synthetic set is fixed by them)."""
    first = trials[0].record
    if not first.val_scores:
        return False
    for t in trials:
        r = t.record
        if len(r.val_scores) != len(first.val_scores) or r.val_ids != first.val_ids:
            return False
        if _data(r.config) != _data(first.config):
            return False
    return True


def _data(config: Optional[dict]) -> Optional[dict]:
    if not config:
        return None
    data = dict(config.get("data", {}))
    data.pop("num_workers", None)  # does not change which samples are scored
    return data


def _sample_means(trials: Sequence[StudyTrial]) -> Optional[np.ndarray]:
    if not trials:
        return None
    rows = np.array([[math.nan if v is None else v for v in t.record.val_scores] for t in trials], dtype=float)
    with np.errstate(all="ignore"):
        counts = np.isfinite(rows).sum(0)
        sums = np.where(np.isfinite(rows), rows, 0.0).sum(0)
        return np.where(counts > 0, sums / np.maximum(counts, 1), math.nan)
