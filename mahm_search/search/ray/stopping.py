"""A trial that hits a stopping error (a full disk) stops the whole Ray run, as on the Optuna backend.

The trial cannot simply raise: Tune would restart it (FailureConfig) on the same full disk, and the
searcher would record the crash as a counted FAIL. So the trainable reports {STOP_KEY: message} and
returns with its Optuna trial still RUNNING. In the driver, `StopOnStoppingError` (Tune's stopper)
sees that result, keeps the message (driver_state.py) and stops every trial; the searcher then leaves the
stopped trials RUNNING. Once Ray is shut down (no worker can write any more), run_ray calls
`requeue_interrupted`: each such trial is failed without `error` (not counted) and queued again, so a
rerun resumes it from its checkpoint; then run_ray raises the message (exit 1).
"""

from __future__ import annotations

import copy

import optuna
from optuna.trial import TrialState
from ray import tune

from ..stopping.recovery import queue_retry
from ..preempt.ray_side import PREEMPT_KEY
from .driver_state import current
from ...results import study_trials
from ...study.storage import with_retries
from ..optuna.optuna_private import storage_of, trial_id_of

STOP_KEY = "mahm_stopping_error"


class StopOnStoppingError(tune.Stopper):
    """Tune pickles its stopper with the experiment: a restored copy keeps the reason in the driver
    that runs now (driver_state.py), where the searcher and run_ray read it."""

    def __call__(self, trial_id: str, result: dict) -> bool:
        message = result.get(STOP_KEY)
        state = current()
        if message and state.stop_reason is None:
            state.stop_reason = str(message)  # the first one: the one the user reads
        return bool(message) or bool(result.get(PREEMPT_KEY))  # a preempted trial: only that one

    def stop_all(self) -> bool:
        return current().stop_reason is not None


def stopping() -> bool:
    """A stopping error, or a signal asked the run to stop (preempt/ray_side.py): no new trial."""
    state = current()
    return state.stop_reason is not None or state.preempt_reason is not None


def report_stop(message: str) -> None:
    """In a Tune trial: hand the stopping error to the driver (see the module doc)."""
    tune.report({STOP_KEY: message})


def requeue_interrupted(study: optuna.Study, spec) -> list[int]:
    """Fail each RUNNING trial without `error` and queue its retry; their numbers. Only once no Tune
    trial of this study runs any more (after ray.shutdown), so none of them can still finish."""
    numbers = []
    running = study_trials(study, states=(TrialState.RUNNING,))
    for t in running:
        try:
            with_retries(lambda: storage_of(study).set_trial_state_values(trial_id_of(t), TrialState.FAIL))
        except (RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
            continue  # it finished meanwhile: its own state wins
        queue_retry(study, spec, copy.deepcopy(with_retries(lambda: storage_of(study).get_trial(trial_id_of(t)))))
        numbers.append(t.number)
    return numbers
