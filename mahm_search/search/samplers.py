"""Optuna samplers and pruners from the study file's `sampler:` and `pruner:` sections."""

from __future__ import annotations

import warnings
from typing import Any, Dict

import optuna

from .space import SearchSpace


def make_sampler(kind: str, seed: int | None, args: Dict[str, Any], space: SearchSpace) -> optuna.samplers.BaseSampler:
    s = optuna.samplers
    args = dict(args)
    if kind == "tpe":
        # Memory feasibility reaches TPE through trial.set_constraint (Optuna 5; constraints_func
        # is deprecated), so nothing extra is wired here.
        return s.TPESampler(seed=seed, **args)
    if kind == "random":
        return s.RandomSampler(seed=seed, **args)
    if kind == "grid":
        grid = args.pop("search_space", None) or space.grid()
        return RepeatSafeGridSampler(grid, seed=seed, **args)
    if kind == "bruteforce":
        return s.BruteForceSampler(seed=seed, **args)
    if kind == "qmc":
        return s.QMCSampler(seed=seed, **args)
    if kind == "gp":
        return s.GPSampler(seed=seed, **args)
    if kind == "cmaes":
        return s.CmaEsSampler(seed=seed, **args)
    raise ValueError(f"unknown sampler type {kind!r}")


def make_pruner(kind: str, args: Dict[str, Any]) -> optuna.pruners.BasePruner:
    p = optuna.pruners
    args = dict(args)
    if kind == "median":
        return p.MedianPruner(**args)
    if kind == "percentile":
        return p.PercentilePruner(**args)
    if kind == "successive_halving":
        return p.SuccessiveHalvingPruner(**args)
    if kind == "hyperband":
        return p.HyperbandPruner(**args)
    if kind == "patient":
        # `wrapped: {type: median, args: {...}}` (default: no inner pruner, patience only)
        inner = args.pop("wrapped", None)
        wrapped = make_pruner(inner.get("type", "median"), inner.get("args", {})) if inner else None
        return p.PatientPruner(wrapped, **args)
    if kind == "none":
        return p.NopPruner()
    raise ValueError(f"unknown pruner type {kind!r}")


def check_sampler_and_pruner(spec, source) -> list[str]:
    """Build both once at load time so bad `args` fail before any trial, naming the field."""
    problems = []

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            make_sampler(spec.sampler.type, spec.sampler.seed, dict(spec.sampler.args), spec.search_space)
        except ModuleNotFoundError as err:
            problems.append(f"{source}: sampler.type: '{spec.sampler.type}' needs the '{err.name}' "
                            f"package (pip install {err.name})")
        except (TypeError, ValueError) as err:
            problems.append(f"{source}: sampler.args: {err}")
        try:
            make_pruner(spec.pruner.type, dict(spec.pruner.args))
        except (TypeError, ValueError, AttributeError) as err:
            problems.append(f"{source}: pruner.args: {err}")
    if spec.sampler.type == "cmaes":
        try:
            import cmaes  # noqa: F401  (Optuna imports it lazily, only when sampling)
        except ModuleNotFoundError:
            problems.append(f"{source}: sampler.type: 'cmaes' needs the 'cmaes' package (pip install cmaes)")
    if spec.sampler.type == "gp":
        try:
            import scipy  # noqa: F401
        except ModuleNotFoundError:
            problems.append(f"{source}: sampler.type: 'gp' needs the 'scipy' package (pip install scipy)")
    return problems


class RepeatSafeGridSampler(optuna.samplers.GridSampler):
    """GridSampler that tolerates enqueued trials (our `repeats`): Optuna 5's after_trial reads the
    trial's `grid_id` system attr, which an enqueued trial never gets, and raised KeyError once one
    grid point was left. An enqueued trial repeats a visited point, so it never ends the grid."""

    def after_trial(self, study, trial, state, values) -> None:
        if "grid_id" not in study._storage.get_trial_system_attrs(trial._trial_id):
            return
        super().after_trial(study, trial, state, values)

