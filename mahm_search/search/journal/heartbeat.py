"""A heartbeat for Optuna's JournalStorage, so that a journal study recovers a killed trial as an RDB
study does (RDBStorage's heartbeat table, the same grace-period rule).

Each worker's Optuna heartbeat thread touches a liveness stamp per trial, `<journal>.heartbeats/<trial
id>`; a RUNNING trial whose stamp is older than `heartbeat.grace_period` (or which has none and
started longer ago than that) is stale, and Optuna's own `fail_stale_trials` fails it and calls
RetryHeartbeatStaleTrialCallback. Ages are measured on the file server's clock: the stamps' mtimes
are compared with the mtime of a probe file touched just before, so workers on hosts whose clocks
differ (a journal on NFS) agree on what is stale.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Dict, Optional

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..optuna.optuna_private import base_heartbeat, trial_id_of


def stamps_dir(journal: str) -> Path:
    return Path(f"{journal}.heartbeats")


class HeartbeatJournalStorage(optuna.storages.JournalStorage, base_heartbeat()):
    def __init__(self, backend, journal: str, heartbeat_interval: int, grace_period: int,
                 heartbeat_stale_trial_callback: Optional[Callable[["optuna.Study", FrozenTrial], None]] = None):
        super().__init__(backend)
        self._stamps = stamps_dir(journal)
        self._interval, self._grace = int(heartbeat_interval), int(grace_period)
        self._callback = heartbeat_stale_trial_callback

    # -- BaseHeartbeat ---------------------------------------------------------------------------
    def record_heartbeat(self, trial_id: int) -> None:
        try:
            self._stamps.mkdir(exist_ok=True)
            _touch(self._stamps / str(trial_id))
        except OSError:
            pass  # a full or vanished disk: the trial's own next write says so (search/stopping/stop.py)

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        ages = self._ages(study_id)
        started_before = datetime.now() - timedelta(seconds=self._grace)  # datetime_start: the asker's clock
        return [trial_id_of(t) for t, age in ages.values()
                if (age is None and t.datetime_start is not None and t.datetime_start < started_before)
                or (age is not None and age > self._grace)]

    def get_heartbeat_interval(self) -> Optional[int]:
        return self._interval

    def get_heartbeat_stale_trial_callback(self):
        return self._callback

    # -- for recovery.liveness -------------------------------------------------------------------
    def heartbeat_ages(self, study_id: int) -> Dict[int, Optional[float]]:
        """RUNNING trial number -> seconds since its last stamp (None: none yet)."""
        return {number: age for number, (_, age) in self._ages(study_id).items()}

    def _ages(self, study_id: int) -> Dict[int, tuple]:
        running = self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
        if not running:
            return {}
        now = self._server_now()
        out = {}
        for t in running:
            try:
                age = max(0.0, now - (self._stamps / str(trial_id_of(t))).stat().st_mtime) if now is not None else None
            except OSError:
                age = None
            out[t.number] = (t, age)
        return out

    def _server_now(self) -> Optional[float]:
        """The file server's time: the mtime of a probe file touched now (the local clock if it cannot)."""
        probe = self._stamps / f".now-{socket.gethostname()}-{os.getpid()}"
        try:
            self._stamps.mkdir(exist_ok=True)
            _touch(probe)
            return probe.stat().st_mtime
        except OSError:
            return None


def _touch(path: Path) -> None:
    with open(path, "a"):
        pass
    os.utime(path, None)
