"""The best configuration of a study so far, for `status` and the end-of-run summary.

With repeats, the single best trial is the luckiest seed: the configuration with the best mean over
its seeds is what the report calls best, so `status` leads with that, with its seed count and t
interval, and names the best single trial only as such. Whether the best mean is really better than
the runners-up is the report's job (paired and over seeds); this says only where the mean stands.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Dict, List, Optional, Sequence

from optuna.trial import TrialState
from scipy import stats

from .record import TrialRecord

CONFIDENCE = 0.95


def best_configuration(trials: Sequence, maximize: bool, readable) -> Optional[Dict[str, Any]]:
    """{'params', 'mean', 'n', 'ci' ([low, high] or None: one seed or no spread), 'min', 'max',
    'trials', 'rescue'} of the configuration with the best mean over its completed seeds; None before any
    trial completes. `readable(params)` decodes Optuna's stored params."""
    groups: Dict[str, List] = {}
    for t in trials:
        if t.state == TrialState.COMPLETE and t.value is not None and math.isfinite(t.value):
            key = TrialRecord.of(t).config_key or repr(sorted(t.params.items()))
            groups.setdefault(key, []).append(t)
    if not groups:
        return None
    means = {k: statistics.fmean(t.value for t in ts) for k, ts in groups.items()}
    key = (max if maximize else min)(means, key=lambda k: (means[k], -len(groups[k])))
    members = sorted(groups[key], key=lambda t: t.number)
    values = [t.value for t in members]
    return {"params": readable(members[0].params), "mean": means[key], "n": len(values),
            "ci": mean_interval(values), "min": min(values), "max": max(values),
            "trials": [t.number for t in members], "rescue": TrialRecord.of(members[0]).rescue}


def mean_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Optional[List[float]]:
    """The t interval of the mean, or None: one value, or values without spread (no noise measured)."""
    if len(values) < 2:
        return None
    sd = statistics.stdev(values)
    if not sd > 0:
        return None
    half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1)) * sd / math.sqrt(len(values))
    mean = statistics.fmean(values)
    return [mean - half, mean + half]


def describe_best(best: Dict[str, Any]) -> str:
    """'48.93 mm, mean of 4 seeds, 95% CI over seeds [48.47, 49.39]' (or: one seed, no interval)."""
    text = f"{best['mean']:.2f} mm"
    if best["n"] == 1:
        return f"{text} (one seed: no interval)"
    ci = best["ci"]
    spread = (f"95% CI over seeds [{ci[0]:.2f}, {ci[1]:.2f}]" if ci is not None
              else "no interval: the seeds scored the same")
    return f"{text}, mean of {best['n']} seeds, {spread}"
