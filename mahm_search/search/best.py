"""The best configuration of a study so far and its best single trial, as `status` and the end-of-run
summary print them (both read results.StudyResults, as the race and the report do).

With repeats, the single best trial is the luckiest seed: the configuration with the best mean over
its seeds is what the report calls best, so `status` leads with that, with its seed count and t
interval, and names the best single trial only as such. Whether the best mean is really better than
the runners-up is the report's job (paired and over seeds); this says only where the mean stands.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from ..results import StudyResults, primary_value
from ..study.record import TrialRecord


def best_configuration(results: StudyResults, readable) -> Optional[Dict[str, Any]]:
    """{'params', 'mean', 'n', 'ci' ([low, high] or None: one seed or no spread), 'min', 'max',
    'trials', 'rescue'} of the best configuration (results' ranking); None before any trial
    completes. `readable(params)` decodes Optuna's stored params."""
    config = results.best()
    if config is None:
        return None
    members, values, interval = config.done, config.scores, config.interval
    return {"params": readable(members[0].params), "mean": interval.mean, "n": interval.n,
            "ci": interval.bounds(), "min": min(values), "max": max(values),
            "trials": [t.number for t in members], "rescue": TrialRecord.of(members[0]).rescue}


def best_trial(results: StudyResults, readable) -> Optional[Dict[str, Any]]:
    """{'number', 'value', 'params', 'steps_done', 'rescue'} of the best single completed trial."""
    trial = results.best_trial()
    if trial is None:
        return None
    record = TrialRecord.of(trial)
    return {"number": trial.number, "value": primary_value(trial), "params": readable(trial.params),
            "steps_done": record.steps_done, "rescue": record.rescue}


def describe_best(best: Dict[str, Any]) -> str:
    """'48.93 mm, mean of 4 seeds, 95% CI over seeds [48.47, 49.39]' (or: one seed, no interval)."""
    text = f"{best['mean']:.2f} mm"
    if best["n"] == 1:
        return f"{text} (one seed: no interval)"
    ci = best["ci"]
    spread = (f"95% CI over seeds [{ci[0]:.2f}, {ci[1]:.2f}]" if ci is not None
              else "no interval: the seeds scored the same")
    return f"{text}, mean of {best['n']} seeds, {spread}"


def short(value: Any) -> Any:
    """Floats at 4 significant digits (lr 0.0013274414292574908 -> 0.001327); the JSON keeps them whole."""
    return f"{value:.4g}" if isinstance(value, float) else value
