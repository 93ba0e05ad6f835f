"""Preemption on the Ray backend. The signal reaches the driver; its trials run in Ray workers
(another process, maybe another host, the trainable in a thread of its own), so the driver stores the
request in the study (system attr REQUEST_ATTR), which every trial's trainer polls once a second
(train/preempt.py: watch). A trial then checkpoints, reports PREEMPT_KEY and returns, its Optuna trial
still RUNNING: the stopper ends that Tune trial, the searcher hands out no new one, and once Tune is
done the driver fails and queues each such trial (requeue.py) and exits 75. Tune's own SIGINT/SIGUSR1
handlers, which would end every trial without a checkpoint, are kept out (`TuneSignals`). The
driver's reason and handler live in ray/driver_state.py.
"""

from __future__ import annotations

import os
import signal
from typing import Optional

import optuna
from optuna.trial import TrialState

from ...train import preempt
from ..optuna.optuna_private import storage_of, study_id_of, trial_id_of
from ...study.storage import with_retries
from .requeue import requeue_preempted

REQUEST_ATTR = "mahm_preempt_request"
PREEMPT_KEY = "mahm_preempted"


def store_request(study: optuna.Study, reason: Optional[str]) -> None:
    with_retries(lambda: storage_of(study).set_study_system_attr(study_id_of(study), REQUEST_ATTR, reason))


def watch_study(study: optuna.Study) -> None:
    """In a Ray trial: stop at the next step once the driver stored a request."""
    storage, study_id = storage_of(study), study_id_of(study)
    preempt.watch(lambda: storage.get_study_system_attrs(study_id).get(REQUEST_ATTR))


def requeue_stopped(study: optuna.Study) -> list[int]:
    """After Tune: each trial still RUNNING (preempted, or never started) failed and queued to resume."""
    numbers = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        try:
            with_retries(lambda: storage_of(study).set_trial_state_values(trial_id_of(t), TrialState.FAIL))
        except (RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
            continue  # it finished meanwhile
        steps = ((t.user_attrs.get("config") or {}).get("train") or {}).get("steps")
        requeue_preempted(study, trial_id_of(t), steps)
        numbers.append(t.number)
    return numbers


def keep_out_tune_handlers() -> None:
    """Before tuner.fit: Tune installs its SIGINT handler unless told not to (SIGUSR1 always; the
    `TuneSignals` callback puts ours back)."""
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"


def tune_signals_callback(handler):
    """A Tune callback that, once Tune has set up (and taken SIGUSR1), reinstalls `handler`."""
    from ray import tune

    class TuneSignals(tune.Callback):
        def setup(self, **info) -> None:
            if handler is not None:
                for s in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):
                    signal.signal(s, handler)

    return TuneSignals()
