"""Crash recovery on RDB and journal storages (search/journal/: a heartbeat by liveness stamps): close the two gaps in Optuna's heartbeat machinery.

1. `study.ask()` marks a trial RUNNING before its heartbeat thread writes a first beat. A process
   killed in that gap leaves a RUNNING trial with no heartbeat row, which `fail_stale_trials` never
   sees: we fail it once it is older than the grace period, and queue its retry.
2. `fail_stale_trials` sets FAIL before it calls the retry callback. A kill between the two leaves a
   FAIL without `error` and without a retry: we queue that retry (once the grace period has passed
   since it failed, so a process that is just about to call the callback is not doubled).

`liveness` tells the wait loop whether any RUNNING trial still beats, so it can give up rather
than sleep forever.

3. A process killed while writing a checkpoint (files.atomic_write) leaves `NAME.tmpPID` in its
   run folder, and nothing else removes it: `remove_dead_tmp_files` deletes such files in the run
   folders of dead trials once no RUNNING trial trains there and they are older than the grace period.
"""

from __future__ import annotations

import copy
import os
import re
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, Iterable, Optional

import optuna
from optuna.trial import TrialState

from ...study.record import TrialRecord
from ...results import study_trials
from ...study.storage import with_retries
from ..optuna.optuna_private import rdb_models, storage_of, study_id_of


def recover(study: optuna.Study, spec) -> int:
    """Fail stale trials (Optuna's check and gap 1) and queue any missing retry (gap 2). Returns how
    many FAILs without a retry are still too fresh to queue: the caller waits for them as it would
    for running trials, rather than sampling a fresh configuration in their place."""
    storage = storage_of(study)
    if _journal_heartbeat(storage):  # no tables: Optuna's check is all (stamps missing count as silent)
        return _recover_journal(study, spec)
    if not _has_heartbeat(storage):
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        with_retries(lambda: optuna.storages.fail_stale_trials(study))
        for trial_id in with_retries(lambda: _silent_running_ids(storage, study_id_of(study), spec)):
            _fail_and_retry(study, trial_id)
        trials = study_trials(study)
        fresh = _requeue_orphans(study, spec, trials)
    remove_dead_tmp_files(spec, trials)
    return fresh


TMP_NAME = re.compile(r"\.tmp\d+$")  # atomic_write's `NAME.tmpPID`


def remove_dead_tmp_files(spec, trials: Iterable[optuna.trial.FrozenTrial]) -> list[Path]:
    """Delete the tmp files a killed writer left in the run folders of dead trials (FAIL without
    `error`). A folder some RUNNING trial trains in (a retry uses its original's folder) is left alone,
    and so is a file modified within the grace period: its writer may still be alive."""
    folder = lambda t: f"trial_{t.system_attrs.get('failed_trial', t.number)}"  # noqa: E731
    trials = list(trials)
    busy = {folder(t) for t in trials if t.state == TrialState.RUNNING}
    dead = {folder(t) for t in trials if t.state == TrialState.FAIL and TrialRecord.of(t).error is None} - busy
    limit = time.time() - spec.heartbeat.grace_period
    removed = []
    for name in sorted(dead):
        try:
            entries = list(os.scandir(Path(spec.runs_dir) / name))
        except OSError:
            continue  # no such folder (killed before training), or unreadable: nothing to do
        for entry in entries:
            try:
                if TMP_NAME.search(entry.name) and entry.is_file() and entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                pass  # gone already (another worker removed it)
    return removed


def liveness(study: optuna.Study) -> Dict[int, Optional[float]]:
    """RUNNING trial number -> seconds since its last heartbeat (None: it has no heartbeat row)."""
    storage = storage_of(study)
    if _journal_heartbeat(storage):
        return storage.heartbeat_ages(study_id_of(study))
    if not _has_heartbeat(storage):
        return {}
    return with_retries(lambda: _heartbeat_ages(storage, study_id_of(study)))


def retry_callback(spec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RetryHeartbeatStaleTrialCallback(
            max_retry=spec.heartbeat.max_retry, inherit_intermediate_values=True)


def queue_retry(study: optuna.Study, spec, frozen: optuna.trial.FrozenTrial) -> None:
    """Queue a dead trial again (params, values, run folder), as Optuna does for a stale one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        with_retries(lambda: retry_callback(spec)(study, copy.deepcopy(frozen)))


# -- pieces -----------------------------------------------------------------------------------------
def _rdb(storage):
    """The RDBStorage under Optuna's cache wrapper (storage_of(study) is a _CachedStorage)."""
    return getattr(storage, "_backend", storage)


def beats(study: optuna.Study) -> bool:
    """Does this study's storage carry heartbeats (RDB, journal), so a dead trial is found?"""
    storage = storage_of(study)
    return _journal_heartbeat(storage) or _has_heartbeat(storage)


def _journal_heartbeat(storage) -> bool:
    from ..journal import HeartbeatJournalStorage

    return isinstance(storage, HeartbeatJournalStorage)


def _recover_journal(study: optuna.Study, spec) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
        trials = study_trials(study)
        fresh = _requeue_orphans(study, spec, trials)
    remove_dead_tmp_files(spec, trials)
    return fresh


def _has_heartbeat(storage) -> bool:
    from optuna.storages._heartbeat import is_heartbeat_enabled

    return is_heartbeat_enabled(storage) and hasattr(_rdb(storage), "scoped_session")


def _heartbeat_rows(storage, study_id: int):
    """(trial number, datetime_start, last heartbeat or None, the database's now) per RUNNING trial."""
    import sqlalchemy
    models = rdb_models()

    session = _rdb(storage).scoped_session()
    try:
        now = session.execute(sqlalchemy.func.now()).scalar().replace(tzinfo=None)
        rows = (session.query(models.TrialModel)
                .filter(models.TrialModel.state == TrialState.RUNNING)
                .filter(models.TrialModel.study_id == study_id).all())
        out = [(t.trial_id, t.number, t.datetime_start,
                t.heartbeats[0].heartbeat.replace(tzinfo=None) if t.heartbeats else None) for t in rows]
        session.commit()
        return out, now
    finally:
        session.close()


def _silent_running_ids(storage, study_id: int, spec) -> list[int]:
    """RUNNING trials that never wrote a heartbeat and started more than the grace period ago.
    datetime_start is the asking host's local clock, so it is compared with ours, not the server's."""
    rows, _ = _heartbeat_rows(storage, study_id)
    limit = datetime.now() - timedelta(seconds=spec.heartbeat.grace_period)
    return [tid for tid, _, started, beat in rows if beat is None and started is not None and started < limit]


def _heartbeat_ages(storage, study_id: int) -> Dict[int, Optional[float]]:
    rows, now = _heartbeat_rows(storage, study_id)
    return {number: (now - beat).total_seconds() if beat is not None else None for _, number, _, beat in rows}


def _fail_and_retry(study: optuna.Study, trial_id: int) -> None:
    storage = storage_of(study)
    try:
        if not with_retries(lambda: storage.set_trial_state_values(trial_id, state=TrialState.FAIL)):
            return
    except optuna.exceptions.UpdateFinishedTrialError:
        return  # another process failed (or finished) it first; that process queues the retry
    callback = storage.get_heartbeat_stale_trial_callback()
    if callback is not None:
        frozen = copy.deepcopy(storage.get_trial(trial_id))
        with_retries(lambda: callback(study, frozen))


def _requeue_orphans(study: optuna.Study, spec, trials: list) -> int:
    retried = {n for t in trials for n in t.system_attrs.get("retry_history", [])}
    limit = datetime.now() - timedelta(seconds=spec.heartbeat.grace_period)
    fresh = 0
    for t in trials:
        if (t.state == TrialState.FAIL and TrialRecord.of(t).error is None and t.number not in retried
                and len(t.system_attrs.get("retry_history", [])) < spec.heartbeat.max_retry):
            if t.datetime_complete is not None and t.datetime_complete < limit:
                queue_retry(study, spec, t)
            else:
                fresh += 1
    return fresh
