"""The worker side of bench_many_workers.py: one forked process running the real worker loop with the
sleeping stand-in trainer, the ask lock timed around its unchanged methods, and what it sent counted
(SQL statements on its engine, or gRPC calls through Optuna's proxy); and the proxy's process."""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
import warnings
from pathlib import Path

import optuna

from support import ray_fakes
import mahm_search.search.optuna.optuna_backend as backend
from mahm_search.search.optuna.ask_lock import AskLock
from mahm_search.search.optuna.optuna_private import storage_of, study_id_of
from mahm_search.search.stopping.recovery import _rdb
from mahm_search.study.samplers import make_sampler
from mahm_search.study.pruners import make_pruner
from mahm_search.study.storage import open_study, sqlite_immediate
from mahm_search.study.study_spec import load_study_spec
from mahm_search.search.trial import TrialObjective


class TimedAskLock(AskLock):
    """AskLock, unchanged, with a stopwatch around acquire (the wait) and acquire-to-release (the hold).
    `lease_engine`: through the proxy, the lease goes to the database directly."""

    lease_engine = None
    counter = None  # the worker's round-trip counter: how many are made while the lock is held
    waits: list = []
    holds: list = []
    inside: list = []

    def __init__(self, study, spec, **kwargs):
        super().__init__(study, spec, **kwargs)
        if self._lock is None and TimedAskLock.lease_engine is not None:
            self.use_engine(TimedAskLock.lease_engine, study_id_of(study), spec.heartbeat.grace_period)
        self._since = None

    def acquire(self) -> None:
        began = time.perf_counter()
        super().acquire()
        self._since = time.perf_counter()
        TimedAskLock.waits.append(self._since - began)
        self._trips = next(TimedAskLock.counter) if TimedAskLock.counter is not None else 0

    def release(self) -> None:
        if self.held and self._since is not None:
            TimedAskLock.holds.append(time.perf_counter() - self._since)
            if TimedAskLock.counter is not None:
                TimedAskLock.inside.append(next(TimedAskLock.counter) - self._trips - 1)
        super().release()


class _CountingStub:
    """A gRPC stub that counts the calls made through it (each one a round trip to the proxy)."""

    def __init__(self, stub, counter):
        self._stub, self._counter = stub, counter

    def __getattr__(self, name):
        method = getattr(self._stub, name)

        def call(*args, **kwargs):
            next(self._counter)
            return method(*args, **kwargs)

        return call


def _open_worker_study(spec, worker: int, proxy_port, counter):
    """The worker's study and what it counts: SQL statements on its engine, or gRPC calls."""
    from sqlalchemy import create_engine, event

    if proxy_port is None:
        study = open_study(spec, create=True, worker=worker)
        event.listen(_rdb(storage_of(study)).engine, "before_cursor_execute", lambda *a: next(counter))
        return study
    storage = optuna.storages.GrpcStorageProxy(host="127.0.0.1", port=proxy_port)
    storage.wait_server_ready(timeout=60)
    # Optuna's proxy client keeps its stub in these two places (benchmark-only reach into it).
    storage._stub = storage._cache.grpc_client = _CountingStub(storage._stub, counter)
    seed = None if spec.sampler.seed is None else spec.sampler.seed + 1000 * worker
    study = optuna.load_study(study_name=spec.name, storage=storage, pruner=make_pruner(spec.pruner.type, {}),
                              sampler=make_sampler(spec.sampler.type, seed, spec.sampler.args, spec.search_space))
    if spec.storage_url.startswith("sqlite"):
        TimedAskLock.lease_engine = create_engine(spec.storage_url, connect_args={"isolation_level": None})
        sqlite_immediate(TimedAskLock.lease_engine)  # as the study's own engine (study/storage.py)
    else:
        TimedAskLock.lease_engine = create_engine(spec.storage_url, pool_size=1)
    event.listen(TimedAskLock.lease_engine, "before_cursor_execute", lambda *a: next(counter))
    return study


def worker_main(study_path: str, worker: int, n_trials: int, proxy_port, ready, go, out: str) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # the gRPC proxy's
    signal.signal(signal.SIGTERM, _stopped)  # past the run's timeout: still write what was timed
    counter = TimedAskLock.counter = itertools.count()
    spec = load_study_spec(study_path)
    result = {"worker": worker, "error": None}
    try:
        study = _open_worker_study(spec, worker, proxy_port, counter)
        ready.release()
        go.wait()
        before = next(counter)
        backend.run_worker_loop(spec, study, n_trials, objective=TrialObjective(spec, train_fn=ray_fakes.fake_train))
        result["round_trips"] = next(counter) - before - 1
    except BaseException as err:  # reported by the driver
        result["error"] = f"{type(err).__name__}: {err}"[:500]
        ready.release()
    result.update(waits=TimedAskLock.waits, holds=TimedAskLock.holds, inside=TimedAskLock.inside,
                  cpu_s=sum(os.times()[:2]))
    Path(out).write_text(json.dumps(result))


class Stopped(Exception):
    pass


def _stopped(signum, frame):
    raise Stopped("stopped by the driver (the run's timeout)")


def proxy_main(url: str, port: int) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    optuna.storages.run_grpc_proxy_server(optuna.storages.get_storage(url), host="127.0.0.1", port=port)
