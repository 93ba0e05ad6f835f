"""benchmarks/bench_many_workers.py at a small scale, so the script does not rot: 3 workers of the real
worker loop with its sleeping stand-in trainer on SQLite, directly and through Optuna's gRPC proxy,
reach exactly n_trials, lose none, and report the ask lock's waits and the round trips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_three_workers_of_the_stand_in_reach_n_trials_directly_and_through_the_proxy(tmp_path):
    pytest.importorskip("grpc", reason="the gRPC proxy needs grpcio (pip install '.[grpc]')")
    out = tmp_path / "rows.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_many_workers.py"), "--storage", "sqlite",
                           "--workers", "3", "--via", "direct,proxy", "--trial-s", "0.3", "--trials-per-worker", "1",
                           "--json", str(out)], env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = json.loads(out.read_text())["rows"]
    assert [(r["via"], r["workers"]) for r in rows] == [("direct", 3), ("proxy", 3)]
    for r in rows:
        assert r["errors"] == [] and r["timed_out"] == 0, r
        assert r["counted"] == r["n_trials"] == 3 and r["overshoot"] == 0 and r["lost"] == 0, r
        assert r["lock_waits"] >= 3 and r["lock_wait_p99_s"] is not None, r  # every ask went through the lock
        assert r["client_round_trips_per_trial"] > 0 and r["trials_per_min"] > 0, r
    assert "| via | workers |" in proc.stdout  # the table README's rows come from
