"""Our progress display for the Ray backend: the Optuna backend's SearchProgress, refreshed from
the study's storage by a Tune callback in the driver (Tune's own status tables are off)."""

from __future__ import annotations

import time

from ray.tune import Callback

from ...results import study_trials
from ..trial_counts import count_trials
from .driver_state import current

REFRESH_S = 1.0


class StorageProgressCallback(Callback):
    """Tune pickles its callbacks with the experiment; a restored copy in a new driver finds that
    driver's study and display in driver_state.py, since the old one is gone."""

    def __init__(self):
        self._last = 0.0

    def refresh(self) -> None:
        state = current()
        if state.study is None:
            return
        study, progress = state.study, state.progress
        trials = study_trials(study)
        progress.refresh(trials, count_trials(trials).done)
        self._last = time.monotonic()

    def on_step_end(self, iteration, trials, **info):
        if time.monotonic() - self._last >= REFRESH_S:
            self.refresh()

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.refresh()

    def on_trial_error(self, iteration, trials, trial, **info):
        self.refresh()
