"""Stop a study that fails the same way again and again (a wrong data root, a broken install):
K trials in a row of one worker ending with the same error stop `run`, rather than burning the study."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

from optuna.trial import TrialState

from ...study.record import TrialRecord
from .stop import StudyStopped

SAME_ERROR_LIMIT = 3


def error_key(error: str) -> str:
    """Errors that differ only in numbers (a trial's lr, its number, a size) are the same error."""
    return re.sub(r"\d+(\.\d+)?(e-?\d+)?", "#", error)


class ErrorStreak:
    def __init__(self, spec, limit: int = SAME_ERROR_LIMIT):
        self.spec = spec
        self.limit = limit
        self.key: Optional[str] = None
        self.numbers: list[int] = []

    def add(self, trial) -> None:
        error = TrialRecord.of(trial).error if trial is not None and trial.state == TrialState.FAIL else None
        if error is None:
            self.key, self.numbers = None, []
            return
        key = error_key(error)
        if key != self.key:
            self.key, self.numbers = key, []
        self.numbers.append(trial.number)
        if len(self.numbers) >= self.limit:
            shown = ", ".join(map(str, self.numbers))
            raise StudyStopped(
                f"{self.spec.path}: stopped: {len(self.numbers)} trials in a row ({shown}) failed with the same "
                f"error: {error}; fix its cause, then run `mahm-search run {self.spec.path} --retry-failed` "
                f"to train the failed configurations again")


def study_error_streak(spec, trials: list, since: datetime,
                       limit: int = SAME_ERROR_LIMIT) -> Optional[StudyStopped]:
    """The same rule over the study's trials that finished since `since` (this run: a rerun after a
    fix starts afresh), in the order they finished; for the Ray backend, whose trials run in workers
    the driver does not own."""
    finished = sorted((t for t in trials if t.state.is_finished() and t.datetime_complete is not None
                       and t.datetime_complete >= since), key=lambda t: t.datetime_complete)[-limit:]
    streak = ErrorStreak(spec, limit)
    try:
        for t in finished:
            streak.add(t)
    except StudyStopped as stop:
        return stop
    return None
