"""Optuna samplers by the name a study file gives in `sampler: {type: NAME, seed: S, args: {...}}`.

SAMPLERS is the one registry: a name, the Optuna sampler it builds, and the package it needs beyond
Optuna (imported lazily by Optuna, so checked here before any trial starts).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, NamedTuple, Optional

import optuna

from .space import SearchSpace
from ..search.optuna.optuna_private import storage_of, trial_id_of


class SamplerEntry(NamedTuple):
    build: Callable[[Optional[int], Dict[str, Any], SearchSpace], optuna.samplers.BaseSampler]
    needs: Optional[str] = None  # a package Optuna imports only when it samples
    cls: Optional[type] = None  # the Optuna class `args` go to (sampler_check.py checks them against it)


class RepeatSafeGridSampler(optuna.samplers.GridSampler):
    """GridSampler that tolerates enqueued trials (our `repeats`): Optuna 5's after_trial reads the
    trial's `grid_id` system attr, which an enqueued trial never gets, and raised KeyError once one
    grid point was left. An enqueued trial repeats a visited point, so it never ends the grid."""

    def after_trial(self, study, trial, state, values) -> None:
        if "grid_id" not in storage_of(study).get_trial_system_attrs(trial_id_of(trial)):
            return
        super().after_trial(study, trial, state, values)


def _grid(seed: Optional[int], args: Dict[str, Any], space: SearchSpace) -> optuna.samplers.BaseSampler:
    args = dict(args)
    grid = args.pop("search_space", None) or space.grid()
    return RepeatSafeGridSampler(grid, seed=seed, **args)


def _plain(cls, needs: Optional[str] = None) -> SamplerEntry:
    return SamplerEntry(lambda seed, args, space: cls(seed=seed, **args), needs, cls)


SAMPLERS: Dict[str, SamplerEntry] = {
    # Memory feasibility reaches TPE through trial.set_constraint (Optuna 5), nothing to wire here.
    "tpe": _plain(optuna.samplers.TPESampler),
    "random": _plain(optuna.samplers.RandomSampler),
    "grid": SamplerEntry(_grid, None, optuna.samplers.GridSampler),
    "bruteforce": _plain(optuna.samplers.BruteForceSampler),
    "qmc": _plain(optuna.samplers.QMCSampler),
    "gp": _plain(optuna.samplers.GPSampler, needs="scipy"),
    "cmaes": _plain(optuna.samplers.CmaEsSampler, needs="cmaes"),
    # Multi-objective (Pareto) searches: NSGA-II is the default there; it reads the memory constraint
    # through trial.set_constraint as TPE does.
    "nsgaii": _plain(optuna.samplers.NSGAIISampler),
    "nsgaiii": _plain(optuna.samplers.NSGAIIISampler),
}
# The samplers Optuna lets tell a trial several values.
MULTI_OBJECTIVE_SAMPLERS = ("nsgaii", "nsgaiii", "tpe", "random", "grid", "bruteforce", "qmc", "gp")
# Samplers whose seed is state every worker must share: GridSampler shuffles its grid with it and
# stores only each trial's index into that shuffle (`grid_id`), so a worker or a resumed run with
# another seed would read the stored indices as other points, repeating some and skipping others;
# QMCSampler scrambles its one sequence with it (Optuna: "all the samplers must share the same seed").
SHARED_SEED = ("grid", "qmc")
# Samplers that enumerate the space: a float range needs a `step` (SearchSpace.grid).
ENUMERATING = ("grid", "bruteforce")


def make_sampler(kind: str, seed: int | None, args: Dict[str, Any], space: SearchSpace) -> optuna.samplers.BaseSampler:
    if kind not in SAMPLERS:
        raise ValueError(f"unknown sampler type {kind!r} (expected one of {', '.join(SAMPLERS)})")
    return SAMPLERS[kind].build(seed, dict(args), space)
