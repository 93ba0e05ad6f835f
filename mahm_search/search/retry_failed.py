"""`run --retry-failed`: after fixing what made trials fail (a data path, a bug), train their
configurations again. Each errored FAIL not yet queued again gets a WAITING trial with its params
and repeat; the old trial then stops counting toward n_trials (trial_counts.py), so the study
trains exactly those configurations again and nothing more."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from ..study.record import TrialRecord, queued_attrs
from ..results import study_trials
from ..study.storage import with_retries
from .trial_counts import RETRY_OF_FAILED, superseded_failures


def requeue_failed(study: optuna.Study) -> list[int]:
    """Queue every errored trial's configuration once more; returns their numbers."""
    trials = study_trials(study)
    done_before = superseded_failures(trials)
    queued = []
    for t in trials:
        record = TrialRecord.of(t)
        if t.state != TrialState.FAIL or record.error is None or t.number in done_before:
            continue
        # `repeat` marks it as no fresh configuration, so it does not queue its repeats again.
        trial = optuna.create_trial(state=TrialState.WAITING, params=t.params, distributions=t.distributions,
                                    user_attrs=queued_attrs(record.repeat),
                                    system_attrs={RETRY_OF_FAILED: t.number})
        with_retries(lambda: study.add_trial(trial))
        queued.append(t.number)
    return queued
