"""On PostgreSQL, workers waiting for the ask lock queue in the database (search/optuna/ask_queue.py) instead of
polling its lease: a waiter sends nothing while it waits, takes the lock as soon as the holder gives it
back, and a holder whose session ends (a killed worker) frees the queue at once."""

from __future__ import annotations

import threading
import time

from sqlalchemy import event

from support import pg_server
from mahm_search.search.optuna.ask_lock import AskLock
from mahm_search.search.optuna.optuna_private import storage_of
from mahm_search.search.stopping.recovery import _rdb
from mahm_search.study.storage import open_study
from mahm_search.study.study_spec import load_study_spec
from support.search import Deadline, write_study


def _statements(study) -> list:
    sent = []
    event.listen(_rdb(storage_of(study)).engine, "before_cursor_execute", lambda *a: sent.append(time.monotonic()))
    return sent


def test_a_waiter_queues_without_polling_and_takes_the_lock_when_it_is_given_back(tmp_path, postgres_server):
    url = pg_server.create_database(postgres_server, "queue")
    spec = load_study_spec(write_study(tmp_path, storage=url))
    holder = AskLock(open_study(spec, create=True), spec)
    waiter_study = open_study(spec, create=True, worker=1)
    waiter = AskLock(waiter_study, spec)
    sent = _statements(waiter_study)
    took = []
    holder.acquire()
    thread = threading.Thread(target=lambda: (waiter.acquire(), took.append(time.monotonic())))
    with Deadline(60):
        thread.start()
        time.sleep(1.5)  # a polling waiter would have sent 15-30 lease transactions by now
        assert not took and not waiter.held
        assert len(sent) <= 3, len(sent)  # the session's settings and pg_advisory_lock, then silence
        released = time.monotonic()
        holder.release()
        thread.join(10)
    assert took and took[0] - released < 2.0, took
    waiter.release()


def test_a_holder_whose_session_ends_frees_the_queue(tmp_path, postgres_server):
    url = pg_server.create_database(postgres_server, "queue_dead")
    spec = load_study_spec(write_study(tmp_path, storage=url, heartbeat={"interval": 1, "grace_period": 2,
                                                                         "max_retry": 2}))
    dead = AskLock(open_study(spec, create=True), spec)
    dead.acquire()
    dead._queue._conn.invalidate()  # its connection dropped, as when its process is killed
    alive = AskLock(open_study(spec, create=True, worker=1), spec)
    began = time.monotonic()
    with Deadline(30), alive:
        waited = time.monotonic() - began
    assert waited <= 5, waited  # the queue at once; the dead holder's lease within its grace period (2 s)
