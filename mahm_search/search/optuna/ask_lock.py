"""One worker at a time between "the study still has room" and `study.ask()`, on every host.

Each worker recounts the study's trials and then asks Optuna for one; workers that did both at the
same moment all saw room, and together started up to workers-1 trials more than n_trials. Under
AskLock the recount and the ask are one step for all workers, so RUNNING trials (which count once
they finish) plus counted ones never exceed n_trials. The lock is released as soon as the asked
trial has its seed and has queued its repeats (`ask_one`), so trials still train side by side.

It lives where every worker already meets, the storage, so it holds across processes and hosts:
- RDB (SQLite, PostgreSQL, MySQL): a lease in the study's system attrs (key LEASE_KEY: owner and an
  expiry on the database's clock), taken and given back in transactions that lock the study's row
  (SQLite: every transaction is BEGIN IMMEDIATE, see storage.sqlite_immediate).
  On PostgreSQL the waiters queue in the database (ask_queue.py) and only the head of the queue
  takes the lease, so waiting costs neither CPU nor the study's row, whatever the number of workers.
- journal:FILE: Optuna's symlink lock file next to the journal (its workers share that folder).
A worker killed while holding it (SIGKILL between the recount and the ask) blocks the others for at
most the heartbeat grace period: the lease then expires, as Optuna fails a trial that stopped beating.
Its RUNNING trial, if the ask got that far, is failed and retried by recovery.py like any other.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
import uuid
import warnings
from datetime import datetime, timezone
from typing import Callable, Optional, Sequence

import optuna

from .ask_queue import PgAskQueue
from ..stopping.recovery import _rdb
from ...study.storage import with_retries
from .optuna_private import rdb_models, storage_of, study_id_of

LEASE_KEY = "mahm:ask_lock"
POLL_S = 0.05


class AskLock:
    def __init__(self, study: optuna.Study, spec, poll_s: float = POLL_S):
        self.poll_s = poll_s
        self.held = False
        self._queue: Optional[PgAskQueue] = None
        ttl = spec.heartbeat.grace_period
        url = spec.storage_url
        rdb = _rdb(storage_of(study))
        if url.startswith("journal:"):
            self._lock: Optional[object] = _JournalLock(url[len("journal:"):], ttl)
        elif hasattr(rdb, "engine"):
            self.use_engine(rdb.engine, study_id_of(study), ttl)
        else:
            self._lock = None  # an in-memory storage: one process, nothing to share

    def use_engine(self, engine, study_id: int, ttl_s: float) -> None:
        """Keep the lease in this database (a study reached through a proxy names its database here)."""
        self._lock = _Lease(engine, study_id, ttl_s)
        self._queue = PgAskQueue(engine, study_id) if PgAskQueue.applies(engine) else None

    def acquire(self) -> None:
        if self._queue is not None:
            self._queue.enter()  # blocks, without polling, until this worker is the queue's head
        try:
            while self._lock is not None and not self._lock.try_acquire():
                time.sleep(self.poll_s * (1 + random.random()))  # jitter: waiters do not poll in step
        except BaseException:
            if self._queue is not None:
                self._queue.leave()
            raise
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            try:
                if self._lock is not None:
                    self._lock.release()
            finally:
                if self._queue is not None:
                    self._queue.leave()

    def ask_one(self, study: optuna.Study, objective: Callable, has_room: Callable[[], bool],
                callbacks: Sequence = ()) -> bool:
        """Under the lock: recount (`has_room`), then ask and run one trial with study.optimize. The
        lock is taken here and given back here: as soon as the asked trial (RUNNING since ask) has
        chosen its seed and queued its repeats (the objective calls `claimed`), or when the objective
        ends before that. A worker asking earlier could be proposed the same configuration (a grid once
        exhausted, TPE on choices) while its repeats are not queued yet, and train a seed out of turn.
        False: no room, nothing asked."""
        self.acquire()
        try:
            if not has_room():
                return False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.optimize(lambda trial: objective(trial, claimed=self.release), n_trials=1,
                               catch=(Exception,), callbacks=list(callbacks))
            return True
        finally:
            self.release()

    def __enter__(self) -> "AskLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class _Lease:
    """The lease row; both transactions first lock the study's row, so they never interleave."""

    def __init__(self, engine, study_id: int, ttl_s: float):
        self.engine = engine
        self.study_id = study_id
        self.ttl_s = float(ttl_s)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def try_acquire(self) -> bool:
        return with_retries(self._try_acquire)

    def release(self) -> None:
        with_retries(self._release)

    def _try_acquire(self) -> bool:
        import sqlalchemy
        models = rdb_models()
        from sqlalchemy.orm import Session

        with Session(self.engine) as session, session.begin():
            now = _epoch(session.execute(sqlalchemy.select(sqlalchemy.func.now())).scalar())
            row = self._row(session, models)
            held = json.loads(row.value_json) if row is not None else {}
            if held.get("owner") not in (None, self.owner) and float(held.get("until", 0)) > now:
                return False
            value = json.dumps({"owner": self.owner, "until": now + self.ttl_s})
            if row is None:
                session.add(models.StudySystemAttributeModel(study_id=self.study_id, key=LEASE_KEY,
                                                             value_json=value))
            else:
                row.value_json = value
            return True

    def _release(self) -> None:
        models = rdb_models()
        from sqlalchemy.orm import Session

        with Session(self.engine) as session, session.begin():
            row = self._row(session, models)
            if row is not None and json.loads(row.value_json).get("owner") == self.owner:
                session.delete(row)  # not ours (it expired and was taken): leave it

    def _row(self, session, models):
        (session.query(models.StudyModel).filter(models.StudyModel.study_id == self.study_id)
         .with_for_update().one())  # SQLite ignores FOR UPDATE; its BEGIN IMMEDIATE locks already
        return (session.query(models.StudySystemAttributeModel)
                .filter(models.StudySystemAttributeModel.study_id == self.study_id,
                        models.StudySystemAttributeModel.key == LEASE_KEY).one_or_none())


def _epoch(now) -> float:
    """The database's now() in seconds; a naive value (SQLite's CURRENT_TIMESTAMP) is UTC."""
    if isinstance(now, str):
        now = datetime.fromisoformat(now)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.timestamp()


class _JournalLock:
    def __init__(self, journal: str, ttl_s: int):
        from optuna.storages.journal import JournalFileSymlinkLock

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "grace_period might be too small" below 3 s
            self._lock = JournalFileSymlinkLock(journal + ".ask", grace_period=max(1, int(ttl_s)))

    def try_acquire(self) -> bool:
        return bool(self._lock.acquire())  # waits itself; a stale lock file is removed after ttl

    def release(self) -> None:
        self._lock.release()
