"""The requeue event's other half: a retry that continues a checkpoint says so, in one log line."""

from __future__ import annotations

from typing import Any

import optuna

from ..optuna.optuna_private import trial_id_of
from ...study.record import TrialRecord
from .events import log_event


def system_attrs(trial: Any) -> dict:
    """A live trial's system attrs (Optuna 5's Trial has none of its own: read the storage's copy)."""
    if isinstance(trial, optuna.trial.FrozenTrial):
        return trial.system_attrs
    try:
        return trial.storage.get_trial(trial_id_of(trial)).system_attrs
    except Exception:  # a stand-in trial (tests), or a storage hiccup: the line is optional
        return {}


def resumed_event(trial: Any, step: int) -> None:
    attrs = system_attrs(trial)
    original = attrs.get("failed_trial")
    steps = ((TrialRecord.of(trial).config or {}).get("train") or {}).get("steps")
    source = f"trial_{original}/checkpoint.pt" if step else "the start (no checkpoint)"
    of = f" (retry of trial {attrs.get('retry_history', [original])[-1]})" if original is not None else ""
    log_event(f"trial {getattr(trial, 'number', '?')} resumed step {step}{'/' + str(steps) if steps else ''} "
              f"from {source}{of}")
