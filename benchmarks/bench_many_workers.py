"""Many workers on one storage: what 8-64 `mahm-search run` workers do to the database, the ask lock
and the trial count, directly on PostgreSQL and through Optuna's gRPC storage proxy in front of it.

    python benchmarks/bench_many_workers.py [--workers 8,16,32,64] [--via direct,proxy]
        [--storage postgres|sqlite] [--trial-s 20] [--trials-per-worker 3] [--json OUT]

Each worker (many_workers_worker.py) is the real worker loop (optuna_backend.run_worker_loop:
recovery, recount, AskLock, the trial protocol's admit with its records and queued repeats, reports
to the pruner, tell), with a stand-in trainer that sleeps and reports like a trial
(tests/support/ray_fakes.fake_train: 4 steps, an eval and a JSON checkpoint every 2 steps) and no
memory estimate, so the storage is what is measured. The workers are forked from this process after it has imported everything (so 64 of them
start in seconds and share their pages), open their studies, and start together on one signal.

--via proxy: one process runs optuna.storages.run_grpc_proxy_server over the same database and the
workers reach the study through GrpcStorageProxy. That proxy offers no lock and no heartbeat, so the
ask lock's lease still goes to the database directly (one connection per worker), and a killed
worker's trial would stay RUNNING (no stale-trial recovery): README says so.

Measured per run: trials per minute (counted trials over the span from the first start to the last
finish, and against W / trial_s, the rate of a storage that cost nothing), the ask-lock wait (median,
p99, max: time in AskLock.acquire, timed around the unchanged method) and how long it is held,
storage round trips per trial (the SQL statements PostgreSQL ran, from pg_stat_statements, and what
each worker sent: SQL statements, or gRPC calls through the proxy), overshoot (counted and COMPLETE
trials beyond n_trials), lost trials (RUNNING or WAITING once every worker has exited), the CPU
the workers used and the load average.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))  # this checkout's package, not whichever one is installed

import optuna  # noqa: E402
import torch  # noqa: E402,F401  (imported once here, shared by the forked workers)

from support import pg_server, ray_fakes  # noqa: E402
from support.search import TINY_BASE  # noqa: E402
import mahm_search.search.optuna.optuna_backend as backend  # noqa: E402
import mahm_search.search.trial as trial_module  # noqa: E402
from mahm_search.memory import unplanned  # noqa: E402
from mahm_search.search.optuna.optuna_private import storage_of  # noqa: E402
from mahm_search.search.stopping.recovery import _rdb  # noqa: E402
from mahm_search.study.storage import open_study  # noqa: E402
from mahm_search.study.study_spec import load_study_spec  # noqa: E402
from mahm_search.search.trial_counts import count_trials  # noqa: E402
from many_workers_worker import TimedAskLock, proxy_main, worker_main  # noqa: E402

STEPS = 4
RUN_TIMEOUT_S = 600


def write_study(folder: Path, name: str, storage: str, n_trials: int) -> Path:
    import yaml

    study = {"name": name, "storage": storage, "n_trials": n_trials,  # sampler tpe, pruner median: defaults
             "sampler": {"type": "tpe", "seed": 0},
             "train": {"steps": STEPS, "eval_every": 2, "batch_size": 4, "warmup_steps": 0},
             "base": TINY_BASE,
             "space": {"train.lr": {"float": [1.0e-4, 1.0e-2], "log": True},
                       "train.batch_size": {"choices": [4, 8, 16]}}}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path


# -- the driver ---------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_statements(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT sum(calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                               "WHERE d.datname = current_database()").fetchone()
            return int(row[0] or 0)
    except psycopg.Error:
        return None


def _reset_pg_statements(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")


def run_one(folder: Path, url: str, workers: int, via: str, trial_s: float, per_worker: int) -> dict:
    name = f"w{workers}_{via}"
    n_trials = workers * per_worker
    spec = load_study_spec(write_study(folder, name, url, n_trials))
    study = open_study(spec, create=True)  # the schema and the study, before any worker
    engine = getattr(_rdb(storage_of(study)), "engine", None)
    if engine is not None:
        engine.dispose()  # no pooled connection is inherited by the forked workers
    postgres = url.startswith("postgresql")
    if postgres:
        _reset_pg_statements(url)
    ray_fakes.STEP_SLEEP_S = trial_s / STEPS
    ctx = mp.get_context("fork")
    proxy = None
    port = _free_port() if via == "proxy" else None
    if port is not None:
        proxy = ctx.Process(target=proxy_main, args=(url, port), name="proxy", daemon=True)
        proxy.start()
    ready, go = ctx.Semaphore(0), ctx.Event()
    outs = [folder / f"{name}_worker{i}.json" for i in range(workers)]
    cpu0 = os.times()
    procs = [ctx.Process(target=worker_main, args=(str(spec.path), i, n_trials, port, ready, go, str(outs[i])),
                         name=f"worker-{i}") for i in range(workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire(timeout=120)
    print(f"{name}: {workers} workers ready, go", flush=True)
    began = time.monotonic()
    go.set()
    deadline = began + RUN_TIMEOUT_S
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        time.sleep(1.0)
        done = sum(not p.is_alive() for p in procs)
        print(f"\r{name}: {time.monotonic() - began:5.0f} s, {done}/{workers} workers finished", end="", flush=True)
    print(flush=True)
    timed_out = [p.pid for p in procs if p.is_alive()]
    for p in procs:
        if p.is_alive():
            p.terminate()  # our own child, past the timeout: it writes its timings and exits
    for p in procs:
        p.join(30)
        if p.is_alive():
            p.kill()
            p.join()
    wall = time.monotonic() - began
    statements = _pg_statements(url) if postgres else None
    if proxy is not None:
        proxy.kill()
        proxy.join()
    cpu1 = os.times()
    return summarize(spec, url, workers, via, trial_s, n_trials, outs, wall, timed_out, statements,
                     (cpu1[2] + cpu1[3]) - (cpu0[2] + cpu0[3]))


def _percentile(values: list, q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[min(98, int(q) - 1)] if q < 100 else max(values)


def summarize(spec, url, workers, via, trial_s, n_trials, outs, wall, timed_out, statements, cpu_s) -> dict:
    results = [json.loads(p.read_text()) if p.is_file() else {"error": "no result (killed)"} for p in outs]
    stopped = sum(1 for r in results if (r.get("error") or "").startswith("Stopped"))
    trials = optuna.load_study(study_name=spec.name, storage=url).get_trials(deepcopy=False)
    counts = count_trials(trials)
    finished = [t for t in trials if t.datetime_complete is not None and t.datetime_start is not None]
    span = ((max(t.datetime_complete for t in finished) - min(t.datetime_start for t in finished)).total_seconds()
            if finished else float("nan"))
    waits = [w for r in results for w in r.get("waits", [])]
    holds = [h for r in results for h in r.get("holds", [])]
    later = [w for r in results for w in r.get("waits", [])[1:]]  # past each worker's first ask (the start)
    inside = [n for r in results for n in r.get("inside", [])]
    client = sum(r.get("round_trips", 0) for r in results)
    done = max(1, counts.done)
    row = {
        "workers": workers, "via": via, "n_trials": n_trials, "trial_s": trial_s,
        "counted": counts.done, "states": counts.by_state,
        "overshoot": max(0, counts.done - n_trials),
        "complete_beyond": max(0, counts.by_state.get("COMPLETE", 0) - n_trials),
        "lost": counts.running + counts.waiting,
        "trials_per_min": round(60 * counts.done / span, 2) if span == span and span > 0 else None,
        "ideal_per_min": round(60 * workers / trial_s, 2),
        "span_s": round(span, 1), "wall_s": round(wall, 1),
        "lock_wait_median_s": _round(_percentile(waits, 50)), "lock_wait_p99_s": _round(_percentile(waits, 99)),
        "lock_wait_max_s": _round(max(waits) if waits else None), "lock_waits": len(waits),
        "lock_wait_p99_after_start_s": _round(_percentile(later, 99)),
        "lock_hold_median_s": _round(_percentile(holds, 50)), "lock_hold_p99_s": _round(_percentile(holds, 99)),
        "sql_per_trial": round(statements / done, 1) if statements is not None else None,
        "client_round_trips_per_trial": round(client / done, 1),
        "round_trips_inside_lock": round(statistics.mean(inside), 1) if inside else None,
        "workers_cpu_s": round(cpu_s, 1), "load_avg_1m": round(os.getloadavg()[0], 2),
        "errors": [r["error"] for r in results if r.get("error") and not r["error"].startswith("Stopped")],
        "timed_out": len(timed_out), "stopped_workers": stopped,
    }
    return row


def _round(v):
    return None if v is None else round(v, 4)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", default="8,16,32,64")
    ap.add_argument("--via", default="direct,proxy")
    ap.add_argument("--storage", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--trial-s", type=float, default=20.0, help="seconds each stand-in trial sleeps")
    ap.add_argument("--trials-per-worker", type=int, default=3)
    ap.add_argument("--json", default=None, help="write the rows here too")
    args = ap.parse_args(argv)
    trial_module.plan_memory = lambda c, b, d: unplanned(c)  # no estimate: every config fits
    backend.AskLock = TimedAskLock
    sizes = [int(w) for w in args.workers.split(",")]
    vias = args.via.split(",")
    folder = Path(tempfile.mkdtemp(prefix="mahm-many-"))
    rows = []
    if args.storage == "postgres":
        reason = pg_server.skip_reason()
        if reason:
            print(f"skipped: {reason}", file=sys.stderr)
            return 2
        settings = {"max_connections": 4 * max(sizes) + 50, "shared_preload_libraries": "pg_stat_statements"}
        with pg_server.postgres_server(settings) as server:
            for via in vias:
                for w in sizes:
                    url = pg_server.create_database(server, f"w{w}_{via}")
                    rows.append(run_one(folder, url, w, via, args.trial_s, args.trials_per_worker))
                    print(json.dumps(rows[-1]), flush=True)
    else:
        for via in vias:
            for w in sizes:
                url = f"sqlite:///{folder}/w{w}_{via}.db"
                rows.append(run_one(folder, url, w, via, args.trial_s, args.trials_per_worker))
                print(json.dumps(rows[-1]), flush=True)
    meta = {"date": datetime.now(timezone.utc).isoformat(timespec="minutes"), "host": platform.node(),
            "cpus": os.cpu_count(), "python": platform.python_version(), "optuna": optuna.__version__}
    if args.json:
        tmp = Path(args.json).with_suffix(".tmp")
        tmp.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
        tmp.replace(args.json)
    _print_table(rows)
    return 0


def _print_table(rows) -> None:
    cols = ["via", "workers", "n_trials", "trials_per_min", "ideal_per_min", "lock_wait_median_s",
            "lock_wait_p99_s", "lock_wait_p99_after_start_s", "lock_hold_median_s", "round_trips_inside_lock",
            "sql_per_trial", "client_round_trips_per_trial", "overshoot", "lost", "workers_cpu_s", "wall_s"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r.get(c)) for c in cols) + " |")
        if r["errors"] or r["timed_out"]:
            print(f"  errors: {r['errors'][:3]} timed out: {r['timed_out']}")


if __name__ == "__main__":
    sys.exit(main())
