"""Optuna pruners by the name a study file gives in `pruner: {type: NAME, args: {...}}`.

PRUNERS is the one registry. `patient` wraps another pruner: `args: {patience: 2, wrapped: {type:
median, args: {...}}}` (without `wrapped`: patience only).
"""

from __future__ import annotations

from typing import Any, Callable, Dict

import optuna


def _patient(args: Dict[str, Any]) -> optuna.pruners.BasePruner:
    inner = args.pop("wrapped", None)
    wrapped = make_pruner(inner.get("type", "median"), inner.get("args", {})) if inner else None
    return optuna.pruners.PatientPruner(wrapped, **args)


PRUNERS: Dict[str, Callable[[Dict[str, Any]], optuna.pruners.BasePruner]] = {
    "median": lambda args: optuna.pruners.MedianPruner(**args),
    "percentile": lambda args: optuna.pruners.PercentilePruner(**args),
    "successive_halving": lambda args: optuna.pruners.SuccessiveHalvingPruner(**args),
    "hyperband": lambda args: optuna.pruners.HyperbandPruner(**args),
    "patient": _patient,
    "none": lambda args: optuna.pruners.NopPruner(**args),
}


# The Optuna class each pruner's `args` go to (sampler_check.py checks them against its signature);
# `patient` also takes `wrapped: {type, args}`, another pruner.
PRUNER_CLASSES: Dict[str, type] = {
    "median": optuna.pruners.MedianPruner,
    "percentile": optuna.pruners.PercentilePruner,
    "successive_halving": optuna.pruners.SuccessiveHalvingPruner,
    "hyperband": optuna.pruners.HyperbandPruner,
    "patient": optuna.pruners.PatientPruner,
    "none": optuna.pruners.NopPruner,
}


def make_pruner(kind: str, args: Dict[str, Any]) -> optuna.pruners.BasePruner:
    if kind not in PRUNERS:
        raise ValueError(f"unknown pruner type {kind!r} (expected one of {', '.join(PRUNERS)})")
    return PRUNERS[kind](dict(args))
