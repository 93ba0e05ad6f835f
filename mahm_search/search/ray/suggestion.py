"""What the driver hands a Tune trial: its config holds the admitted Optuna trial under one key.

    {"train.lr": 0.001, ...,            # the sampled params (shown by Tune, not used)
     "mahm": {"trial_id": 7, "number": 5, "config": {...TrialConfig...}, "gpu_share": 0.5}}

Kept free of Ray imports so the driver can name trials without loading Tune early.
"""

from __future__ import annotations

from typing import Any, Dict

CONFIG_KEY = "mahm"


def suggestion_info(config: Dict[str, Any]) -> Dict[str, Any]:
    return config.get(CONFIG_KEY) or {}
