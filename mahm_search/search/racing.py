"""Racing seeds (`repeats: auto`): which configurations need another seed before the study can tell
the leading ones apart. The racing idea of irace / F-race and of SMAC's intensification.

Pure: config -> its completed final scores in, config keys out. The leader is the best mean; every
other configuration stays in the race until Welch's test over seeds (two-sided, at the set
confidence) shows it worse than the leader. A configuration with one seed is tested with the per-seed
spread pooled over the configurations that have >= 2; until one has, only the two best are raced.
While a configuration other than the leader is still in the race, the leader and those still in it
get another seed, up to the cap. The race is over when only the leader is left (resolved) or every
one left has `max_seeds` seeds (the difference is too small to resolve within the cap).

Looking after every seed and stopping at the first p < 0.05 would pick a wrong winner far more often
than 5% (15% for two equal configurations, benchmarks/bench_racing.py). So each look tests at Pocock's
nominal level for the number of looks the cap allows (a group-sequential design), which keeps the
whole race near the set confidence.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np
from scipy import stats

from .record import TrialRecord


# Pocock's (1977) nominal two-sided level per look for an overall 0.05, by number of looks K.
POCOCK_05 = {1: 0.05, 2: 0.0294, 3: 0.0221, 4: 0.0182, 5: 0.0158, 6: 0.0142, 7: 0.0130, 8: 0.0120,
             9: 0.0112, 10: 0.0106}


def per_look_alpha(confidence: float, max_seeds: int) -> float:
    """The level each look tests at: the overall 1 - confidence spread over the looks seeds 2..max
    allow, scaled from Pocock's 0.05 boundaries (exact at 0.95, close for nearby levels)."""
    looks = min(max(1, max_seeds - 1), max(POCOCK_05))
    return (1.0 - confidence) * POCOCK_05[looks] / 0.05


@dataclass(frozen=True)
class RaceState:
    leader: Optional[str]
    contenders: tuple[str, ...]  # still in the race with the leader (not shown worse)
    eliminated: tuple[str, ...]  # shown worse than the leader at the set confidence
    need_seed: tuple[str, ...]  # leader first, then contenders, best mean first

    @property
    def resolved(self) -> bool:
        return self.leader is not None and not self.contenders


def race(scores: Mapping[str, Sequence[float]], maximize: bool, confidence: float = 0.95,
         max_seeds: int = 8) -> RaceState:
    runs = {k: np.asarray([v for v in vs if v is not None and math.isfinite(v)], float) for k, vs in scores.items()}
    runs = {k: v for k, v in runs.items() if len(v)}
    if not runs:
        return RaceState(None, (), (), ())
    sign = -1.0 if maximize else 1.0  # compare on "lower is better"
    order = sorted(runs, key=lambda k: sign * runs[k].mean())
    leader = order[0]
    spread = _pooled_std(runs.values())
    contenders, eliminated = [], []
    for key in order[1:]:
        worse = _shown_worse(sign * runs[key], sign * runs[leader], spread, per_look_alpha(confidence, max_seeds))
        if worse is None:  # no spread known yet: race only the runner-up
            (contenders if key == order[1] else eliminated).append(key)
        else:
            (eliminated if worse else contenders).append(key)
    racing = [leader] + contenders if contenders else []
    need = tuple(k for k in racing if len(runs[k]) < max_seeds)
    # the cap reached by all but one: the others cannot be resolved any further
    if len(need) == 1 and need[0] == leader and all(len(runs[k]) >= max_seeds for k in contenders):
        need = ()
    return RaceState(leader, tuple(contenders), tuple(eliminated), need)


def needs_seed(scores: Mapping[str, Sequence[float]], maximize: bool, confidence: float = 0.95,
               max_seeds: int = 8) -> list[str]:
    """The config keys that should get another seed now (empty: the race is over)."""
    return list(race(scores, maximize, confidence, max_seeds).need_seed)


def _pooled_std(groups) -> Optional[tuple[float, int]]:
    """(per-seed std pooled over the configurations with >= 2 seeds, its degrees of freedom)."""
    num, df = 0.0, 0
    for g in groups:
        if len(g) >= 2:
            num += float(np.var(g, ddof=1)) * (len(g) - 1)
            df += len(g) - 1
    return (math.sqrt(num / df), df) if df and num > 0 else None


def _shown_worse(x: np.ndarray, leader: np.ndarray, spread: Optional[tuple[float, int]],
                 alpha: float) -> Optional[bool]:
    """Is x (lower is better) worse than the leader, two-sided at alpha? None: cannot be tested yet."""
    if len(x) >= 2 and len(leader) >= 2 and (np.var(x) > 0 or np.var(leader) > 0):
        p = stats.ttest_ind(x, leader, equal_var=False).pvalue
    elif spread is not None:  # a side with one seed: the pooled per-seed spread stands in, with its df
        s, df = spread
        t = (x.mean() - leader.mean()) / (s * math.sqrt(1 / len(x) + 1 / len(leader)))
        p = 2 * stats.t.sf(abs(t), df)
    else:
        return None
    return bool(p < alpha and x.mean() > leader.mean())


# -- from the study's trials to the seeds to queue (search/trial.py's _enqueue_repeats) ---------------
def _params_of(trial) -> dict:
    """A trial's sampled params; a queued (WAITING) trial holds them as fixed_params until it starts."""
    return dict(trial.params) or dict(trial.system_attrs.get("fixed_params", {}))


def _group(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def seeds_to_queue(trials: Sequence, maximize: bool, confidence: float, max_seeds: int) -> list[tuple[dict, int]]:
    """(params, repeat) of each seed to enqueue now: one for every configuration the race needs, unless
    one of its seeds is already queued or running (so several workers do not queue the same seed twice)."""
    scores: dict[str, list[float]] = {}
    pending: set[str] = set()
    params: dict[str, dict] = {}
    next_repeat: dict[str, int] = {}
    for t in trials:
        p = _params_of(t)
        key = _group(p)
        params.setdefault(key, p)
        next_repeat[key] = max(next_repeat.get(key, 0), TrialRecord.of(t).repeat + 1)
        if t.state.name == "COMPLETE" and t.value is not None:
            scores.setdefault(key, []).append(float(t.value))
        elif t.state.name in ("WAITING", "RUNNING"):
            pending.add(key)
    need = needs_seed(scores, maximize, confidence, max_seeds)
    return [(params[k], next_repeat[k]) for k in need if k not in pending and next_repeat[k] < max_seeds]
