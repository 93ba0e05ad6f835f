"""The study database itself on a full disk: SQLite's "database or disk is full" (SQLITE_FULL), met
by any storage write (tell, a user attr, a heartbeat, the ask lock, a queued retry), stops `run`
like a full disk under a checkpoint (exit 1, one line naming the .db file), and once space is freed
the same command finishes the study, retrying the trial that was interrupted."""

from __future__ import annotations

import sqlite3
import threading
import time

import optuna
import pytest
from optuna.trial import TrialState
from sqlalchemy import event
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.files import DiskFullError
from support.search import Deadline, fake_train, use_fake_trainer, write_study

N_TRIALS = 4
WRITES = ("INSERT", "UPDATE", "DELETE")


class FullDisk:
    """Once `full`, the database refuses every write with SQLite's own SQLITE_FULL, as on a full disk
    (where even the rollback journal cannot be written): the connection caps the file at its size
    (`PRAGMA max_page_count`; a cap below the page count means the page count) and each write first
    tries to grow it. `after_fail`: the disk fills right after a trial's FAIL is stored; `once`: it
    refuses one write, then has room again (another process freed some)."""

    def __init__(self, db, after_fail: bool = False, once: bool = False):
        with sqlite3.connect(db) as con:
            con.execute("CREATE TABLE IF NOT EXISTS disk_filler (x BLOB)")  # what the writes try to grow
        self.full = False
        self.after_fail = after_fail
        self.once = once

    def __enter__(self):
        event.listen(Engine, "before_cursor_execute", self._refuse)
        event.listen(Engine, "after_cursor_execute", self._fill_after_fail)
        return self

    def __exit__(self, *exc):
        event.remove(Engine, "before_cursor_execute", self._refuse)
        event.remove(Engine, "after_cursor_execute", self._fill_after_fail)

    def _refuse(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.full and statement.lstrip().upper().startswith(WRITES):
            self.full = not self.once
            cursor.execute("PRAGMA max_page_count = 1")
            cursor.execute("INSERT INTO disk_filler VALUES (zeroblob(1000000))")  # raises SQLITE_FULL

    def _fill_after_fail(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.after_fail and statement.startswith("UPDATE trials SET state") and "FAIL" in str(parameters):
            self.full = True


def _trials(tmp_path):
    return optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db").get_trials()


def _run(path):
    return CliRunner().invoke(app, ["run", str(path)])


def _filling_train(disk: FullDisk, at: str):
    """The fake trainer, filling the disk in the run's first trial as it starts or at its first eval;
    "beat": as it starts, then a heartbeat is refused before its own next write; "once": only the
    eval's write is refused; "told": the checkpoint's disk is full too (the trial fails, then its retry
    cannot be queued)."""
    if at == "told":
        return fake_train([], fail_on={0: DiskFullError("no space left on device writing checkpoint.pt")})
    train = fake_train([])

    class Reporter:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def report(self, step, metrics):
            disk.full = disk.full or at in ("eval", "once")
            return self.inner.report(step, metrics)

    def filling(config, reporter, run_dir):
        disk.full = disk.full or at in ("start", "beat")
        if at == "beat":
            time.sleep(1.5)  # past the heartbeat interval (1 s)
        return train(config, Reporter(reporter), run_dir)

    return filling


@pytest.mark.parametrize("at", ["open", "start", "eval", "beat", "once", "told"])
def test_full_study_database_stops_the_run_and_the_rerun_retries_the_trial(tmp_path, monkeypatch, at):
    path = write_study(tmp_path, n_trials=N_TRIALS)
    thread_errors = []  # e.g. a heartbeat's traceback from Optuna's heartbeat thread
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    use_fake_trainer(monkeypatch, [])
    assert CliRunner().invoke(app, ["run", str(path), "--n-trials", "2"]).exit_code == 0

    # Before the fix: a traceback, or ("once") the trial recorded as failed by its own error.
    with FullDisk(tmp_path / "tiny.db", after_fail=at == "told", once=at == "once") as disk, Deadline(60):
        disk.full = at == "open"
        monkeypatch.setattr("mahm_search.train.trainer.train", _filling_train(disk, at))
        result = _run(path)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), repr(result.exception)
    (line,) = [x for x in result.stderr.splitlines() if x.strip()]  # one line, no traceback
    assert f"the study database {tmp_path}/tiny.db is on a full disk (database or disk is full); free " \
           f"space and rerun the same command to resume" in line, line
    trials = _trials(tmp_path)
    assert not any("error" in t.user_attrs for t in trials)  # nothing counts as failed by its own fault
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 2
    stopped = [t.number for t in trials if t.state in (TrialState.RUNNING, TrialState.FAIL)]
    assert stopped == ([] if at == "open" else [2]) and not thread_errors

    use_fake_trainer(monkeypatch, calls := [])  # space freed
    with Deadline(60):
        assert _run(path).exit_code == 0
    trials = _trials(tmp_path)
    assert sum(t.state == TrialState.COMPLETE for t in trials) == N_TRIALS and len(calls) == N_TRIALS - 2
    assert not any("error" in t.user_attrs for t in trials)
    for number in stopped:  # the interrupted trial is trained again, with its configuration
        (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") == number]
        assert retry.state == TrialState.COMPLETE and retry.params == trials[number].params


def test_postgresql_full_disk_is_a_stop_naming_the_database_without_its_password():
    from sqlalchemy.exc import OperationalError

    from mahm_search.search.stopping.stop import DATABASE_ATTR, stopping_error
    from mahm_search.search.stopping.storage_errors import database_name

    orig = Exception('could not extend file "base/16384/16390": No space left on device\nHINT:  Check free disk space.')
    err = OperationalError("INSERT INTO trials ...", {}, orig)
    setattr(err, DATABASE_ATTR, database_name("postgresql://me:secret@db.lab/studies"))
    assert stopping_error(RuntimeError("commit failed"), "s.yaml") is None  # no full disk behind it
    try:
        raise RuntimeError("An exception is raised during the commit") from err
    except RuntimeError as wrapped:
        stop = stopping_error(wrapped, "s.yaml (trial 3)")
    assert str(stop) == ('s.yaml (trial 3): the study database postgresql://me:***@db.lab/studies is on a full '
                         'disk (could not extend file "base/16384/16390": No space left on device); free space '
                         'and rerun the same command to resume')


def test_workers_that_all_stopped_on_purpose_stop_the_run_with_exit_1(tmp_path):
    """Several workers: each prints its own one-line reason; the parent exits 1 (StudyStopped) when
    every failed worker stopped on purpose (exit 1, e.g. a full disk), and 2 when one crashed."""
    from types import SimpleNamespace

    from mahm_search.errors import MahmError
    from mahm_search.search.optuna.optuna_backend import raise_for_workers
    from mahm_search.search.stopping.stop import StudyStopped

    spec = SimpleNamespace(path=tmp_path / "s.yaml")
    worker = lambda i, code: SimpleNamespace(name=f"worker-{i}", exitcode=code)  # noqa: E731
    raise_for_workers(spec, [worker(0, 0), worker(1, 0)])
    with pytest.raises(StudyStopped) as stopped:
        raise_for_workers(spec, [worker(0, 1), worker(1, 1)])
    assert stopped.value.exit_code == 1 and "worker-0, worker-1 stopped" in str(stopped.value)
    with pytest.raises(MahmError) as crashed:
        raise_for_workers(spec, [worker(0, 1), worker(1, 2)])
    assert not isinstance(crashed.value, StudyStopped) and getattr(crashed.value, "exit_code", 2) == 2
