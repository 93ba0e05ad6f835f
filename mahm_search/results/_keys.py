"""What "the same configuration" means: one key over a trial's params as Optuna stores them.

Repeats of a configuration differ only in their seed, so a param that is a seed (`train.seed`, or any
`*.seed` a space samples) is left out of the key. The key is computed from the stored params, never
read from the trial's record: a queued seed has no record yet, and studies written before the key
was defined this way still group the same.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping


def is_seed_param(name: str) -> bool:
    return name.split(".")[-1] == "seed"


def params_of(trial) -> dict:
    """A trial's sampled params; a queued (WAITING) trial holds them as fixed_params until it starts."""
    return dict(trial.params) or dict(trial.system_attrs.get("fixed_params", {}))


def config_key(params: Mapping[str, Any]) -> str:
    """Same params (seed excluded) -> same key, so a configuration's repeats share it."""
    core = {k: v for k, v in params.items() if not is_seed_param(k)}
    return hashlib.sha1(json.dumps(core, sort_keys=True, default=str).encode()).hexdigest()[:12]


def trial_key(trial) -> str:
    return config_key(params_of(trial))
