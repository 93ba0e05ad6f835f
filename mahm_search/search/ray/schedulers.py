"""The study's Optuna pruner, as the Ray Tune scheduler that does the same job.

Tune schedulers count time in the reported `step` (training steps, the same unit as Optuna's
intermediate-value steps), so the pruner's `min_resource`/`n_warmup_steps` carry over unchanged.
"""

from __future__ import annotations

import math
from typing import Any

from ...errors import ConfigError

TIME_ATTR = "step"


def make_scheduler(spec, metric: str, mode: str, max_steps: int, first_eval: int):
    """hyperband/successive_halving -> ASHA, median -> MedianStoppingRule, none -> FIFO."""
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler, MedianStoppingRule

    kind, args = spec.pruner.type, dict(spec.pruner.args)
    common = dict(time_attr=TIME_ATTR, metric=metric, mode=mode)
    if kind == "none":
        return FIFOScheduler()
    if kind == "median":
        return MedianStoppingRule(
            grace_period=max(int(args.get("n_warmup_steps", 0)), first_eval),
            min_samples_required=max(1, int(args.get("n_startup_trials", 5))), **common)
    if kind in ("successive_halving", "hyperband"):
        rf = float(args.get("reduction_factor", 4 if kind == "successive_halving" else 3))
        min_resource = _min_resource(args.get("min_resource", "auto"), first_eval)
        if kind == "successive_halving":
            grace = min_resource * rf ** int(args.get("min_early_stopping_rate", 0))
            brackets = 1
        else:
            max_resource = args.get("max_resource", "auto")
            top = max_steps if max_resource == "auto" else int(max_resource)
            grace = min_resource
            # Optuna's Hyperband runs floor(log_rf(max/min)) + 1 brackets; ASHA runs them asynchronously.
            brackets = int(math.floor(math.log(max(top / min_resource, 1.0), rf))) + 1
        return ASHAScheduler(max_t=max_steps, grace_period=max(1, int(grace)), reduction_factor=rf,
                             brackets=brackets, **common)
    raise ConfigError([f"{spec.path}: pruner.type: '{kind}' has no Ray Tune scheduler; the ray backend "
                       "takes median, successive_halving, hyperband or none"])


def _min_resource(value: Any, first_eval: int) -> int:
    # Optuna's 'auto' guesses from the first trials; the first evaluation step is the same idea.
    return first_eval if value in (None, "auto") else max(1, int(value))

