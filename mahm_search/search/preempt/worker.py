"""What a search worker's loop does about a preemption: after each trial (and before asking for the
next one), queue the trial a signal stopped and exit with one line."""

from __future__ import annotations

from typing import Optional

from ...train import preempt
from .requeue import preempted_run, requeue_preempted


def check_preempted(spec, study, objective, where: Optional[str] = None) -> None:
    """Raise PreemptedRun when this worker was asked to stop (its trial, if one was stopped, queued
    to resume first); else nothing."""
    stopped, objective.preempted = objective.preempted, None
    reason = preempt.requested()
    if stopped is None and reason is None:
        return
    numbers = []
    if stopped is not None and objective.last_trial_id is not None:
        steps = None
        try:
            from ...study.record import TrialRecord
            from ..optuna.optuna_private import storage_of

            frozen = storage_of(study).get_trial(objective.last_trial_id)
            steps = ((TrialRecord.of(frozen).config or {}).get("train") or {}).get("steps")
            numbers.append(frozen.number)
        except Exception:
            pass
        requeue_preempted(study, objective.last_trial_id, steps)
    raise preempted_run(where or str(spec.path), reason or stopped.reason, numbers)
