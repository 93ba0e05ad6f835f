"""Racing seeds (`repeats: auto`): which configurations need another seed before the study can tell
the leading ones apart. The racing idea of irace / F-race and of SMAC's intensification.

Pure: config -> its completed final scores in, config keys out. The leader is the best configuration
of results' one ranking (best mean; ties to more seeds, then the earlier first trial). Every
other configuration is compared with it by a t test over seeds whose per-seed spread is pooled over
all configurations of the study (one variance, as in an ANOVA: the seed noise of a training recipe
hardly depends on the variant, and pooling gives the test many more degrees of freedom than each pair
has). A configuration leaves the race:
- `eliminated`: shown worse than the leader, two-sided at the look's level (below);
- `tied`: its difference from the leader is so small against the spread that even `max_seeds` seeds
  would resolve it with less than FUTILITY_POWER probability (conditional power at the observed
  difference, judged from FUTILITY_MIN_SEEDS seeds on: stochastic curtailment), so more seeds would
  be spent for nothing.
The rest are `contenders`: they and the leader get another seed, up to the cap. The race is over when
no contender is left (resolved if nothing is tied either) or all have `max_seeds` seeds.

Looking after every seed and stopping at the first p < 0.05 would pick a wrong winner far more often
than 5% (15% for two equal configurations, benchmarks/bench_racing.py). So each look tests at Pocock's
nominal level for the number of looks the cap allows (a group-sequential design), which keeps the
whole race near the set confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np
from scipy import stats

from ..results import Pooled, StudyResults, config_key, pooled_std, ranked, study_trials, trial_key
from ..study.record import TrialRecord, queued_attrs


# Pocock's (1977) nominal two-sided level per look for an overall 0.05, by number of looks K.
POCOCK_05 = {1: 0.05, 2: 0.0294, 3: 0.0221, 4: 0.0182, 5: 0.0158, 6: 0.0142, 7: 0.0130, 8: 0.0120,
             9: 0.0112, 10: 0.0106}
# A contender whose chance of being resolved by the cap (at its observed difference) is below this
# leaves the race as tied: the fixed design would almost never resolve it either.
FUTILITY_POWER = 0.10
# ... judged only once both have this many seeds: the difference seen over 2 seeds is too noisy a
# guess of the true one (at a true 2 sd it would end 1 race in 10 that the fixed design resolves).
FUTILITY_MIN_SEEDS = 3


def per_look_alpha(confidence: float, max_seeds: int) -> float:
    """The level each look tests at: the overall 1 - confidence spread over the looks seeds 2..max
    allow, scaled from Pocock's 0.05 boundaries (exact at 0.95, close for nearby levels)."""
    looks = min(max(1, max_seeds - 1), max(POCOCK_05))
    return (1.0 - confidence) * POCOCK_05[looks] / 0.05


@dataclass(frozen=True)
class RaceState:
    leader: Optional[str]
    contenders: tuple[str, ...]  # still in the race with the leader (neither shown worse nor tied)
    eliminated: tuple[str, ...]  # shown worse than the leader at the look's level
    need_seed: tuple[str, ...]  # leader first, then contenders, best mean first
    tied: tuple[str, ...] = ()  # too close to the leader for the cap to resolve: out of the race

    @property
    def resolved(self) -> bool:
        """The leader is shown better than every other configuration."""
        return self.leader is not None and not self.contenders and not self.tied

    @property
    def over(self) -> bool:
        return not self.need_seed


def race(scores: Mapping[str, Sequence[float]], maximize: bool, confidence: float = 0.95,
         max_seeds: int = 8) -> RaceState:
    runs = {k: np.asarray([v for v in vs if v is not None and math.isfinite(v)], float) for k, vs in scores.items()}
    runs = {k: v for k, v in runs.items() if len(v)}
    if not runs:
        return RaceState(None, (), (), ())
    sign = -1.0 if maximize else 1.0  # compare on "lower is better"
    order = ranked(runs, maximize)
    leader = order[0]
    spread = pooled_std(runs.values())
    alpha = per_look_alpha(confidence, max_seeds)
    contenders, eliminated, tied = [], [], []
    for key in order[1:]:
        x, best = sign * runs[key], sign * runs[leader]
        if spread is None:  # no spread known yet: race only the runner-up
            (contenders if key == order[1] else eliminated).append(key)
        elif _shown_worse(x, best, spread, alpha):
            eliminated.append(key)
        elif _chance_to_resolve(x, best, spread, alpha, max_seeds) < FUTILITY_POWER:
            tied.append(key)
        else:
            contenders.append(key)
    racing = [leader] + contenders if contenders else []
    need = tuple(k for k in racing if len(runs[k]) < max_seeds)
    # the cap reached by all but one: the others cannot be resolved any further
    if len(need) == 1 and need[0] == leader and all(len(runs[k]) >= max_seeds for k in contenders):
        need = ()
    return RaceState(leader, tuple(contenders), tuple(eliminated), need, tuple(tied))


def needs_seed(scores: Mapping[str, Sequence[float]], maximize: bool, confidence: float = 0.95,
               max_seeds: int = 8) -> list[str]:
    """The config keys that should get another seed now (empty: the race is over)."""
    return list(race(scores, maximize, confidence, max_seeds).need_seed)


def _t_stat(x: np.ndarray, leader: np.ndarray, spread: Pooled) -> float:
    s, _ = spread
    return (x.mean() - leader.mean()) / (s * math.sqrt(1 / len(x) + 1 / len(leader)))


def _shown_worse(x: np.ndarray, leader: np.ndarray, spread: Pooled, alpha: float) -> bool:
    """Is x (lower is better) worse than the leader, two-sided at alpha, with the pooled spread?"""
    return bool(2 * stats.t.sf(abs(_t_stat(x, leader, spread)), spread[1]) < alpha and x.mean() > leader.mean())


def _chance_to_resolve(x: np.ndarray, leader: np.ndarray, spread: Pooled, alpha: float,
                       max_seeds: int) -> float:
    """Conditional power: the probability that the test at the cap (both at max_seeds seeds) shows the
    difference, if the true difference is the one observed now (Lan & Wittes' B-value: the statistic at
    information fraction f is z*sqrt(f); the rest of the way adds N(theta*(1-f), 1-f))."""
    if min(len(x), len(leader)) < FUTILITY_MIN_SEEDS:
        return 1.0
    z = _t_stat(x, leader, spread)
    f = (2 / max_seeds) / (1 / len(x) + 1 / len(leader))  # information now / information at the cap
    if f >= 1:
        return 0.0
    crit = stats.norm.isf(alpha / 2)
    return float(stats.norm.sf((crit - abs(z) / math.sqrt(f)) / math.sqrt(1 - f)))


# -- from the study's trials to the seeds to queue (search/trial.py's _enqueue_repeats) ---------------
def _next_repeat(config) -> int:
    return max(TrialRecord.of(t).repeat for t in config.trials) + 1


def seeds_to_queue(trials: Sequence, maximize: bool, confidence: float, max_seeds: int) -> list[tuple[dict, int]]:
    """(params, repeat) of each seed to enqueue now: one for every configuration the race needs, unless
    one of its seeds is already queued or running (so several workers do not queue the same seed twice)."""
    configs = StudyResults(trials, maximize).configurations
    need = needs_seed({k: c.scores for k, c in configs.items()}, maximize, confidence, max_seeds)
    return [(configs[k].params, _next_repeat(configs[k])) for k in need
            if not configs[k].pending and _next_repeat(configs[k]) < max_seeds]


def _results(spec, trials: Sequence) -> StudyResults:
    return StudyResults(trials, spec.objective.direction == "maximize")


def study_race(spec, trials: Sequence) -> RaceState:
    """The race over a study's completed trials (keys: results' config keys)."""
    results = _results(spec, trials)
    return race(results.scores(), results.maximize, spec.racing.confidence, spec.racing.max)


def queue_race_seeds(spec, study) -> int:
    """Queue the seeds the race needs now (none that is already on its way); returns how many."""
    trials = study_trials(study)
    queued = seeds_to_queue(trials, spec.objective.direction == "maximize", spec.racing.confidence, spec.racing.max)
    for params, repeat in queued:
        study.enqueue_trial(params, user_attrs=queued_attrs(repeat))
    return len(queued)


def space_keys(spec, fixed) -> Optional[frozenset]:
    """The config keys of every configuration a finite space holds, or None for an infinite or very
    large one (SearchSpace.assignments). The space does not change during a run: compute it once."""
    assignments = spec.search_space.assignments(fixed)
    return None if assignments is None else frozenset(config_key(a) for a in assignments)


def race_step(spec, study, trials: Sequence, keys: Optional[frozenset]) -> str:
    """What a worker of a `repeats: auto` study does when nothing is queued, before it asks (`keys`:
    space_keys of the study):
    - "ask": let the sampler propose (its trial runs a race round, TrialObjective._enqueue_repeats),
      or, once a finite space has no untried configuration left, ask for the race seeds queued here;
    - "wait": the space is exhausted, the race needs nothing now and trials are running: their
      scores decide whether it needs another seed (asking would only make the sampler propose a
      configuration again);
    - "done": the same with nothing running: the study has nothing left to train.
    An infinite space (or one too large to list) always asks, and leaves the end to n_trials."""
    if keys is None or not keys <= {trial_key(t) for t in trials}:
        return "ask"
    if queue_race_seeds(spec, study):
        return "ask"
    pending = any(c.pending for c in _results(spec, trials).configurations.values())
    return "wait" if pending else "done"


def race_summary(spec, trials: Sequence, state: Optional[RaceState] = None) -> str:
    """`race over|not over: <race_line>` for a study's trials (`state`: their study_race, if known)."""
    state = state or study_race(spec, trials)
    return f"race {'over' if state.over else 'not over'}: {race_line(spec, state, _results(spec, trials))}"


def race_line(spec, state: RaceState, results: StudyResults) -> str:
    """One plain line: the leader and how each other configuration left the race (for logs and the
    end-of-run summary). Shown worse / tied are at the race's confidence, over seeds."""
    configs = results.configurations
    scores = results.scores()

    def name(key: str) -> str:
        stored = sorted(configs[key].params.items())  # as Optuna stores them: a width list reads 1024-512-1024
        text = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in stored)
        text = text or "the base config"
        n = len(scores.get(key, ()))
        return f"{text} ({n} seed{'' if n == 1 else 's'})"

    if state.leader is None:
        return "no configuration has completed yet"
    level = f"{spec.racing.confidence:.0%}"
    parts = [f"leader {name(state.leader)}"]
    if state.eliminated:
        parts.append(f"shown worse at {level}: " + "; ".join(name(k) for k in state.eliminated))
    if state.tied:
        parts.append(f"too close to tell apart within {spec.racing.max} seeds: " + "; ".join(name(k) for k in state.tied))
    if state.contenders:
        waiting = [k for k in state.contenders if len(scores.get(k, ())) < spec.racing.max]
        parts.append(("still racing (more seeds would tell): " if waiting else
                      f"not resolved at the cap of {spec.racing.max} seeds: ") + "; ".join(name(k) for k in state.contenders))
    return " | ".join(parts)
