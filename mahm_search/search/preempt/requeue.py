"""A preempted trial: recorded as interrupted, queued to resume, and the run's exit.

The trainer checkpointed the step it had just done and raised train.preempt.Preempted. The trial
writes `interrupted` ({reason, step, checkpointed, at}) while it is still RUNNING; Optuna then ends
it as FAIL without `error`, which does not count toward n_trials (trial_counts.py), and the worker
queues its retry at once: a WAITING trial with its params, intermediate values and run folder (as
the heartbeat's RetryHeartbeatStaleTrialCallback does, without its max_retry: a preemption is not the
trial's fault, however often it comes). The retry resumes from the checkpoint with no step lost.
"""

from __future__ import annotations

import copy
import time
import warnings
from typing import Optional

import optuna
from optuna.trial import TrialState

from ...errors import MahmError
from ..optuna.optuna_private import storage_of
from ...study.record import TrialRecord, write_record
from ...study.storage import with_retries
from .events import log_event

EXIT_PREEMPTED = 75  # sysexits' EX_TEMPFAIL: nothing is wrong, run the same command again
CARRIED_OVER = ("interrupted", "resumed_from_step")  # facts about one attempt, not its retry


class PreemptedRun(MahmError):
    """The run stopped on a signal after checkpointing its trial; the same command continues it."""

    exit_code = EXIT_PREEMPTED
    prefix = "preempted"


def mark_interrupted(trial: optuna.Trial, err) -> None:
    """On the RUNNING trial (a finished one's attrs are read-only): why and where it stopped."""
    write_record(trial, interrupted={"reason": err.reason, "step": int(err.step),
                                     "checkpointed": bool(err.checkpointed),
                                     "at": time.strftime("%Y-%m-%d %H:%M:%S")})


def requeue_preempted(study: optuna.Study, trial_id: int, steps: Optional[int] = None) -> Optional[int]:
    """Queue the interrupted trial's retry once it is FAIL without `error`; the retry's number."""
    storage = storage_of(study)
    frozen = copy.deepcopy(with_retries(lambda: storage.get_trial(trial_id)))
    record = TrialRecord.of(frozen)
    if frozen.state != TrialState.FAIL or record.error is not None:
        return None  # it finished (or failed for real) after all
    if any(frozen.number in t.system_attrs.get("retry_history", []) for t in study.get_trials(deepcopy=False)):
        return None  # queued already (by another worker's recovery)
    frozen.user_attrs = {k: v for k, v in frozen.user_attrs.items() if k not in CARRIED_OVER}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        callback = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=None, inherit_intermediate_values=True)
        with_retries(lambda: callback(study, frozen))
    retry = next((t.number for t in study.get_trials(deepcopy=False)
                  if t.system_attrs.get("retry_history", [None])[-1] == frozen.number), None)
    info = record.interrupted or {}
    total = f"/{steps}" if steps else ""
    log_event(f"trial {frozen.number} preempted step {info.get('step', '?')}{total} reason "
              f"{info.get('reason', '?')}: {'checkpointed' if info.get('checkpointed') else 'no checkpoint'}, "
              f"queued to resume as trial {retry}")
    return retry


def preempted_run(where: str, reason: str, trials: list) -> PreemptedRun:
    """The one line the run exits with."""
    what = f"trial {', '.join(map(str, trials))} checkpointed and queued to resume" if trials \
        else "no trial was training"
    return PreemptedRun(f"{where}: stopped by {reason}: {what}; rerun the same command to continue "
                        f"(exit {EXIT_PREEMPTED})")
