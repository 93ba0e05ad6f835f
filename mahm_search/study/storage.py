"""Open (or create) the Optuna study behind a StudySpec, with crash safety on RDB storages.

RDB (SQLite default, PostgreSQL, MySQL): heartbeats + RetryHeartbeatStaleTrialCallback, so a
trial whose process died is failed and re-queued with its intermediate values. SQLite gets a long
busy timeout and retries around the calls that open the study ("database is locked" with workers).
`journal:FILE` selects Optuna's JournalStorage (a file lock, `journal_lock`: Optuna's symlink lock
or its O_EXCL open lock, for NFS), with the same heartbeat through liveness stamps (search/journal/).
"""

from __future__ import annotations

import time
from pathlib import Path
import warnings
from typing import Callable, TypeVar

import optuna
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

from ..errors import ConfigError, MahmError
from .pruners import make_pruner
from .samplers import SHARED_SEED, make_sampler
from ..search.stopping.stop import DATABASE_ATTR, stopping_error
from ..search.stopping.storage_errors import database_name, describe_storage_error

T = TypeVar("T")
SQLITE_TIMEOUT_S = 60


class StudyStorageError(MahmError):
    """The storage cannot be opened, or holds no such study."""


# What a storage that cannot be opened raises: SQLAlchemy (corrupt file, unknown scheme, server down),
# OSError (an unwritable journal path), ImportError (a missing driver), ValueError (a bad URL).
STORAGE_ERRORS = (SQLAlchemyError, OSError, ImportError, ValueError)


def make_storage(spec) -> optuna.storages.BaseStorage:
    """The study's storage, or StudyStorageError with one line naming the file or URL."""
    try:
        return _make_storage(spec)
    except STORAGE_ERRORS as err:
        raise storage_failure(spec, err) from None


def storage_failure(spec, err: BaseException) -> MahmError:
    """The one-line error for a storage that failed outside a trial: StudyStopped (exit 1) when its
    disk is full, since freeing space and rerunning resumes the study; else StudyStorageError."""
    stop = stopping_error(err, str(spec.path), database_name(spec.storage_url))
    return stop if stop is not None else StudyStorageError(describe_storage_error(spec, err))


def _make_storage(spec) -> optuna.storages.BaseStorage:
    url = spec.storage_url
    if url.startswith("journal:"):
        return journal_storage(url[len("journal:"):], spec)
    sqlite = url.startswith("sqlite")
    # isolation_level=None: the sqlite3 driver opens no transaction of its own; sqlite_immediate's
    # BEGIN IMMEDIATE does (see there).
    engine_kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT_S, "isolation_level": None}} if sqlite else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(
            max_retry=spec.heartbeat.max_retry, inherit_intermediate_values=True)
        storage = with_retries(lambda: StudyRDBStorage(
            url, engine_kwargs=engine_kwargs, heartbeat_interval=spec.heartbeat.interval,
            grace_period=spec.heartbeat.grace_period, heartbeat_stale_trial_callback=retry))
    if sqlite:
        sqlite_immediate(storage.engine)
    name_database_errors(storage.engine, database_name(url))
    return storage


def journal_storage(path: str, spec) -> optuna.storages.BaseStorage:
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalFileSymlinkLock

    from ..search.journal import HeartbeatJournalStorage

    lock = (JournalFileOpenLock if spec.journal_lock == "open" else JournalFileSymlinkLock)(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(
            max_retry=spec.heartbeat.max_retry, inherit_intermediate_values=True)
    return HeartbeatJournalStorage(JournalFileBackend(path, lock_obj=lock), path, spec.heartbeat.interval,
                                   spec.heartbeat.grace_period, retry)


class StudyRDBStorage(optuna.storages.RDBStorage):
    """Optuna's RDBStorage, but a heartbeat that a full database refuses is skipped: raised, it would
    print a traceback from Optuna's heartbeat thread and end that thread, so the trial would beat no
    more once space is freed. The trial's own next write stops the run (search/stopping/stop.py)."""

    def record_heartbeat(self, trial_id: int) -> None:
        try:
            super().record_heartbeat(trial_id)
        except Exception as err:
            if stopping_error(err, "") is None:
                raise


def name_database_errors(engine, name: str) -> None:
    """Every error of this engine carries the database's name (stop.DATABASE_ATTR), so the message
    for a full disk names the file from wherever the write failed (a trial, a heartbeat, recovery)."""
    from sqlalchemy import event

    @event.listens_for(engine, "handle_error")
    def _name(context) -> None:
        if context.sqlalchemy_exception is not None:
            setattr(context.sqlalchemy_exception, DATABASE_ATTR, name)


def sqlite_immediate(engine) -> None:
    """Every transaction on this SQLite engine starts with BEGIN IMMEDIATE, i.e. takes the write lock
    at once. Optuna reads a trial `FOR UPDATE` and then writes it; SQLite ignores FOR UPDATE and the
    driver began the transaction only at the write, so two workers could both read RUNNING, both
    set FAIL and both queue a retry of one killed trial (found by benchmarks/bench_chaos.py). With
    the lock taken at BEGIN, the second worker reads the first one's FAIL and leaves it alone."""
    from sqlalchemy import event

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_study(spec, create: bool, worker: int = 0) -> optuna.Study:
    """create=True: create or continue; create=False: the study must exist (status, report).

    A seeded sampler is reseeded with seed + 1000*worker + trials already stored, so a resumed run
    or a second worker does not replay the same random suggestions, yet stays reproducible.
    A storage that breaks while the study is read (a corrupt file) is a StudyStorageError too."""
    try:
        return _open_study(spec, create, worker)
    except STORAGE_ERRORS as err:
        raise storage_failure(spec, err) from None


def _open_study(spec, create: bool, worker: int) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = spec.storage_url
    for scheme in ("sqlite:///", "journal:"):
        file = Path(url[len(scheme):]) if url.startswith(scheme) else None
        if file is not None and file.is_dir():
            raise StudyStorageError(f"{spec.path}: storage: {file} is a folder; point `storage:` at a file, "
                                    f"e.g. {scheme}NAME.{'db' if scheme == 'sqlite:///' else 'log'}")
        if file is not None and not create and not file.is_file():  # reading must not create it
            raise StudyStorageError(f"{spec.path}: no study yet ({file} does not exist); "
                                    f"run `mahm-search run {spec.path}` first")
    storage = make_storage(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = make_sampler(spec.sampler.type, spec.sampler.seed, spec.sampler.args, spec.search_space)
    pruner = make_pruner(spec.pruner.type, spec.pruner.args)
    if not create:
        try:
            return with_retries(lambda: optuna.load_study(study_name=spec.name, storage=storage,
                                                          sampler=sampler, pruner=pruner))
        except KeyError:
            names = sorted(s.study_name for s in with_retries(lambda: storage.get_all_studies()))
            held = (f" (it holds {', '.join(map(repr, names))}: is `name:` in the study file right?)" if names
                    else " (it holds none)")
            raise StudyStorageError(f"{spec.path}: storage {url} holds no study named '{spec.name}'{held}; "
                                    f"run `mahm-search run {spec.path}` first") from None
    directions = [o.direction for o in spec.objectives]
    study = with_retries(lambda: optuna.create_study(
        study_name=spec.name, storage=storage, sampler=sampler, pruner=pruner,
        directions=directions, load_if_exists=True))
    stored_directions = [d.name.lower() for d in study.directions]
    if stored_directions != directions:
        if len(stored_directions) == 1 and len(directions) == 1:
            raise ConfigError([f"{spec.path}: objective.direction: the stored study '{spec.name}' "
                               f"{stored_directions[0]}s; expected the same direction (or use a new name)"])
        raise ConfigError([f"{spec.path}: objective: the stored study '{spec.name}' has {len(stored_directions)} "
                           f"objective(s) ({', '.join(stored_directions)}); expected the same objectives as when "
                           f"it was created, {', '.join(directions)} given (or use a new name)"])
    stored = len(with_retries(lambda: study.get_trials(deepcopy=False)))
    # Each worker and each resume gets its own seed, or they would all propose the same points; not the
    # grid and QMC, whose seed is the one grid or sequence every worker and resume shares (samplers.py).
    if spec.sampler.seed is not None and (stored or worker) and spec.sampler.type not in SHARED_SEED:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            study.sampler = make_sampler(spec.sampler.type, (spec.sampler.seed + 1000 * worker + stored) % 2**32,
                                         spec.sampler.args, spec.search_space)
    if "objective_metric" not in study.user_attrs:
        with_retries(lambda: study.set_user_attr("objective_metric", spec.objective.metric))
        if spec.multi_objective:  # the Pareto search's metrics, in the order of the trials' values
            with_retries(lambda: study.set_user_attr("objective_metrics", [o.metric for o in spec.objectives]))
        with_retries(lambda: study.set_user_attr("study_file", str(spec.path)))
    return study


def with_retries(fn: Callable[[], T], attempts: int = 8, delay_s: float = 0.5) -> T:
    """Retry on SQLite's 'database is locked' (busy writers), and on the schema race of processes
    that open a new database together (workers, or `status` during the first `run`): Optuna's
    RDBStorage creates tables, types and the alembic version row without a lock, so all but one fail
    and a second try finds the schema made. The race reads differently on each database: SQLite
    'table ... already exists' or a UNIQUE error on alembic_version; PostgreSQL `UniqueViolation`
    on pg_type (CREATE TYPE studydirection) or 'relation ... already exists'; MySQL 'Table ...
    already exists' or 'Duplicate entry' for alembic_version. A full disk is not retried: it raises at
    once, and the run stops (search/stopping/stop.py)."""
    for i in range(attempts):
        try:
            return fn()
        except (OperationalError, IntegrityError, ProgrammingError) as err:
            if not _transient(err) or i == attempts - 1:
                raise
            time.sleep(delay_s * (i + 1))
    raise AssertionError("unreachable")


# A UniqueViolation on pg_type / pg_class is a CREATE TYPE / CREATE TABLE racing another one; on a
# table of the study (trials_pkey) it is a real conflict and is not retried.
SCHEMA_RACE_MARKS = ("alembic_version", "already exists", "pg_type", "pg_class", "DuplicateTable",
                     "DuplicateObject", "studydirection")


def _transient(err: Exception) -> bool:
    text = f"{type(getattr(err, 'orig', None)).__name__} {err}"
    if isinstance(err, OperationalError) and ("locked" in text or "Deadlock" in text):
        return True
    return any(mark in text for mark in SCHEMA_RACE_MARKS)
