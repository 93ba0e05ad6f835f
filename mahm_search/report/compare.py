"""Is configuration (or level) A better than B? The report's one rule for saying so.

"A is better" needs the 95% interval of mean(A) - mean(B) to exclude 0 for every noise that can be
measured: over seeds (Welch; needs >= 2 seeds on each side, otherwise seed noise is unknown and the
answer is "inconclusive"), and, when both were scored on the same validation samples with per-sample
errors kept, also paired over those samples (validation noise). Otherwise: "inconclusive", with about
how many seeds per configuration would resolve the observed difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .records import StudyTrial
from .stats import CONFIDENCE, Interval, paired, seed_std, seeds_to_resolve, welch


@dataclass
class Comparison:
    diff: float  # mean(A) - mean(B), mm
    seeds: Interval  # Welch over seeds (unknown with one seed on a side)
    samples: Optional[Interval]  # paired over validation samples, when both share them
    verdict: str  # "A" | "B" | "inconclusive": which one is better
    n_a: int
    n_b: int
    seeds_needed: Optional[int]  # per configuration, to resolve `diff` at the seeds' spread

    def describe(self, maximize: bool) -> str:
        """'-1.6 mm, 95% CI over seeds [-2.9, -0.3] (Welch, n=3 vs 3); paired over 32 samples [...]'."""
        parts = [f"{self.diff:+.1f} mm"]
        if self.seeds.known:
            parts.append(f"95% CI over seeds {self.seeds.text()} (Welch, n={self.n_a} vs {self.n_b})")
        else:
            parts.append(f"no CI over seeds (n={self.n_a} vs {self.n_b}; needs >= 2 each)")
        if self.samples is not None and self.samples.known:
            parts.append(f"paired over {self.samples.n} validation samples {self.samples.text()}")
        return ", ".join(parts)

    def advice(self) -> str:
        """For an inconclusive result: roughly what would resolve it."""
        if self.verdict != "inconclusive":
            return ""
        if self.seeds_needed is not None:
            have = min(self.n_a, self.n_b)
            if self.seeds_needed <= have:
                return "more seeds would not obviously help (the seeds' interval already excludes the "\
                       "difference's size; the validation samples limit it)"
            return f"about {self.seeds_needed} seeds per configuration (have {self.n_a} and {self.n_b}) " \
                   "would resolve a difference of this size"
        return "its seed-to-seed spread is unknown (run >= 2 seeds per configuration: `repeats`)"


def _completed(trials: Sequence[StudyTrial]) -> list[StudyTrial]:
    return [t for t in trials if t.state == "COMPLETE" and t.final is not None]


def finals(trials: Sequence[StudyTrial]) -> list[float]:
    return [t.final for t in _completed(trials)]


def compare(a: Sequence[StudyTrial], b: Sequence[StudyTrial], maximize: bool,
            fallback_std: Optional[float] = None, confidence: float = CONFIDENCE,
            prefer_fallback: bool = False) -> Comparison:
    """A vs B over their completed trials. fallback_std: the study's pooled seed spread, used to
    size the advice when a side has one seed (or always, with prefer_fallback)."""
    fa, fb = finals(a), finals(b)
    seeds = welch(fa, fb, confidence)
    samples = paired_samples(a, b, confidence)
    intervals = [seeds] + ([samples] if samples is not None and samples.known else [])
    signs = {math.copysign(1, iv.low) for iv in intervals if iv.excludes_zero()}
    resolved = seeds.known and all(iv.excludes_zero() for iv in intervals) and len(signs) == 1
    verdict = "inconclusive"
    if resolved:
        a_higher = seeds.mean > 0
        verdict = "A" if a_higher == maximize else "B"
    spread = [s for s in (seed_std(fa), seed_std(fb)) if s is not None]
    s = math.sqrt(np.mean(np.square(spread))) if spread else fallback_std
    if prefer_fallback and fallback_std is not None:
        s = fallback_std
    return Comparison(diff=seeds.mean, seeds=seeds, samples=samples, verdict=verdict, n_a=len(fa), n_b=len(fb),
                      seeds_needed=seeds_to_resolve(s, seeds.mean))


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
