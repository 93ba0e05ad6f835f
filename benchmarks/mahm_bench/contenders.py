"""The searches, each run against a table on the simulated clock (replay.Clock) until a compute budget.

Optuna-driven contenders use Optuna itself (in-memory study, ask/tell, trial.report/should_prune), with
one categorical parameter per factor; a proposal is mapped to the nearest configuration of the table
(Hamming distance over the factors; exact when the table holds the whole space). A proposal of a
configuration already trained is told its known value at no cost, as a cache would (after
MAX_REPEATS such proposals in a row, an untried configuration is queued). Ray Tune ASHA is Ray's own
ASHAScheduler, driven by this runner through on_trial_add / on_trial_result / on_trial_complete (they
need a trial object only for its trial_id), with random configurations as Tune's default searcher.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Optional

import numpy as np
import optuna

from mahm_search.study.pruners import make_pruner
from mahm_search.search.racing import race

from .replay import Clock, Log
from .table import Table

MAX_REPEATS = 20
FIXED_SEEDS = 5
RACE_MAX = 8

optuna.logging.set_verbosity(optuna.logging.WARNING)


class Space:
    """The table's configurations as level indices per factor, and Optuna distributions over them."""

    def __init__(self, table: Table):
        self.names = list(table.params[0])
        self.levels = {n: sorted({json.dumps(p[n]) for p in table.params}) for n in self.names}
        self.codes = np.array([[self.levels[n].index(json.dumps(p[n])) for n in self.names] for p in table.params])
        self.dists = {n: optuna.distributions.CategoricalDistribution(self.levels[n]) for n in self.names}

    def nearest(self, params: dict, rng: np.random.Generator) -> int:
        code = np.array([self.levels[n].index(params[n]) for n in self.names])
        dist = (self.codes != code).sum(axis=1)
        return int(rng.choice(np.flatnonzero(dist == dist.min())))

    def params(self, c: int) -> dict:
        return {n: self.levels[n][i] for n, i in zip(self.names, self.codes[c])}


def _optuna_search(table: Table, rng, budget: float, sampler, pruner, seeds: Optional[int], gate: bool,
                   seed_order: np.ndarray) -> Log:
    """seeds: a fixed number per configuration (trained in lockstep, their mean reported), or None to
    race seeds one trial at a time (search/racing.py's race decides which configuration gets the next)."""
    space, clock, log = Space(table), Clock(table, gate), Log()
    study = optuna.create_study(sampler=sampler, pruner=pruner, direction="minimize")
    done: dict = {}  # config -> finished final scores
    used: dict = {}  # config -> seeds spent (finished or not)
    tried: set = set()
    streak = 0
    queue: list = []  # configs enqueued, in order: Optuna hands WAITING trials out first, oldest first
    cap = min(RACE_MAX, table.n_seeds)
    while clock.now < budget and len(tried) <= len(table.params):
        if seeds is None:
            state = race({str(c): v for c, v in done.items()}, maximize=False, max_seeds=cap)
            for key in state.need_seed:
                if used.get(int(key), 0) < table.n_seeds and int(key) not in queue:
                    study.enqueue_trial(space.params(int(key)))
                    queue.append(int(key))
        untried = [c for c in range(len(table.params)) if c not in tried]
        if streak >= MAX_REPEATS:
            if not untried:
                break
            pick = int(rng.choice(untried))
            study.enqueue_trial(space.params(pick))
            queue.append(pick)
            streak = 0
        trial = study.ask(space.dists)
        queued = bool(queue)
        c = queue.pop(0) if queued else space.nearest(trial.params, rng)
        fresh = c not in tried
        if not fresh and not (queued and seeds is None):
            study.tell(trial, float(np.mean(done[c])) if c in done else None,
                       state=None if c in done else optuna.trial.TrialState.PRUNED)
            streak += 1
            if not untried and (seeds is not None or not _race_wants(done, cap, used, table)):
                break
            continue
        streak = 0
        tried.add(c)
        k = seeds if seeds is not None else 1
        take = seed_order[used.get(c, 0):used.get(c, 0) + k]
        used[c] = used.get(c, 0) + k

        def keep_going(e: int, value: float) -> bool:
            trial.report(value, int(table.steps[e]))
            return not trial.should_prune()

        finals = clock.train(c, list(take), keep_going)
        if finals is None:
            pruned = table.feasible[c] and np.all(np.isfinite(table.curves[c, take, -1]))
            study.tell(trial, state=optuna.trial.TrialState.PRUNED if (pruned or gate) else optuna.trial.TrialState.FAIL)
            continue
        study.tell(trial, float(np.mean(finals)))
        done.setdefault(c, []).extend(finals)
        stated = race({str(k): v for k, v in done.items()}, maximize=False, max_seeds=cap).resolved \
            if seeds is None else None
        log.add(clock.now, c, finals, stated)
    return log


def _race_wants(done: dict, cap: int, used: dict, table: Table) -> bool:
    need = race({str(c): v for c, v in done.items()}, maximize=False, max_seeds=cap).need_seed
    return any(used.get(int(k), 0) < table.n_seeds for k in need)


def tpe_median_fixed(table, rng, budget, seed_order):
    """(a) the user's usual setup: TPE + MedianPruner, a fixed 5 seeds, no memory gate."""
    return _optuna_search(table, rng, budget, optuna.samplers.TPESampler(seed=int(rng.integers(2**31))),
                          optuna.pruners.MedianPruner(), min(FIXED_SEEDS, table.n_seeds), False, seed_order)


def project_defaults() -> tuple:
    """(sampler spec, pruner spec, repeats) that a study file without those fields gets, read from the
    study spec itself, so (d) follows the defaults when they change."""
    from mahm_search.study.sections import PrunerSpec, SamplerSpec
    from mahm_search.study.study_spec import StudySpec

    return SamplerSpec(), PrunerSpec(), StudySpec.model_fields["repeats"].default


def mahm_defaults(table, rng, budget, seed_order):
    """(d) mahm-search as a study file without sampler, pruner or repeats runs it (project_defaults),
    with the memory gate, which every mahm-search study has."""
    sampler, pruner, repeats = project_defaults()
    racing = not isinstance(repeats, int)  # "auto" or {auto: true, ...}
    return _optuna_search(table, rng, budget, _sampler(sampler.type, rng, sampler.args),
                          make_pruner(pruner.type, pruner.args), None if racing else min(repeats, table.n_seeds),
                          True, seed_order)


def _sampler(kind: str, rng, args: Optional[dict] = None) -> optuna.samplers.BaseSampler:
    """The project's sampler of this kind (study/samplers.py), seeded from the replay's rng."""
    from mahm_search.study.samplers import make_sampler
    from mahm_search.study.space import SearchSpace

    return make_sampler(kind, int(rng.integers(2**31)), args or {}, SearchSpace())


def _race_gate(table, rng, budget, seed_order, sampler: str, pruner: str, pruner_args: Optional[dict] = None) -> Log:
    """Racing seeds (repeats: auto, confidence 0.95, cap 8) and the memory gate, with this sampler and
    pruner: the searches (e)-(h)."""
    return _optuna_search(table, rng, budget, _sampler(sampler, rng), make_pruner(pruner, pruner_args or {}),
                          None, True, seed_order)


def race_gate_tpe_median(table, rng, budget, seed_order):
    """(h) racing, the gate, TPE and Optuna's MedianPruner as it comes (5 startup trials, no warmup):
    what (d) measured until 2026-12-07 night."""
    return _race_gate(table, rng, budget, seed_order, "tpe", "median")


def race_gate_nopruner(table, rng, budget, seed_order):
    """(e) racing and the memory gate with TPE but no pruner: a seed is never cut on its early curve."""
    return _race_gate(table, rng, budget, seed_order, "tpe", "none")


def race_gate_late_median(table, rng, budget, seed_order):
    """(f) racing, the gate and TPE with a median pruner that only acts in the second half of a run and
    after 10 finished trials: early curves are mostly seed noise (the small table's lesson)."""
    half = int(table.steps[len(table.steps) // 2])
    return _race_gate(table, rng, budget, seed_order, "tpe", "median", {"n_startup_trials": 10, "n_warmup_steps": half})


def race_gate_random(table, rng, budget, seed_order):
    """(g) racing and the gate with random configurations and no pruner: balanced samples of every factor,
    what an ablation's least-squares verdict wants."""
    return _race_gate(table, rng, budget, seed_order, "random", "none")


def random_fixed(table, rng, budget, seed_order):
    """(b) random search, a fixed 5 seeds, no pruning, no memory gate (judged at half its compute)."""
    clock, log = Clock(table, False), Log()
    k = min(FIXED_SEEDS, table.n_seeds)
    for c in rng.permutation(len(table.params)):
        if clock.now >= budget:
            break
        finals = clock.train(int(c), list(seed_order[:k]), lambda e, v: True)
        if finals is not None:
            log.add(clock.now, int(c), finals)
    return log


def asha_fixed(table, rng, budget, seed_order):
    """(c) Ray Tune ASHA (its ASHAScheduler: grace 1 evaluation, reduction factor 4), random configs, a
    fixed 5 seeds per trial reporting their mean, no memory gate."""
    from ray.tune.schedulers import ASHAScheduler, TrialScheduler

    sched = ASHAScheduler(time_attr="training_iteration", metric="score", mode="min", max_t=len(table.steps),
                          grace_period=1, reduction_factor=4)
    clock, log = Clock(table, False), Log()
    k = min(FIXED_SEEDS, table.n_seeds)
    for n, c in enumerate(rng.permutation(len(table.params))):
        if clock.now >= budget:
            break
        trial = SimpleNamespace(trial_id=str(n))
        sched.on_trial_add(None, trial)

        def keep_going(e: int, value: float) -> bool:
            return sched.on_trial_result(None, trial, {"training_iteration": e + 1, "score": value}) \
                == TrialScheduler.CONTINUE

        finals = clock.train(int(c), list(seed_order[:k]), keep_going)
        if finals is not None:
            sched.on_trial_complete(None, trial, {"training_iteration": len(table.steps), "score": float(np.mean(finals))})
            log.add(clock.now, int(c), finals)
    return log


# name -> (search, compute multiplier: random search is judged at B with 2B spent)
CONTENDERS = {
    "a_tpe_median_5seeds": (tpe_median_fixed, 1.0),
    "b_random_2x": (random_fixed, 2.0),
    "c_ray_asha_5seeds": (asha_fixed, 1.0),
    "d_mahm_defaults": (mahm_defaults, 1.0),
    "e_race_gate_tpe_nopruner": (race_gate_nopruner, 1.0),
    "f_race_gate_tpe_late_median": (race_gate_late_median, 1.0),
    "g_race_gate_random": (race_gate_random, 1.0),
    "h_race_gate_tpe_median": (race_gate_tpe_median, 1.0),
}
