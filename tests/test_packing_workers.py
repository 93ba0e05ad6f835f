"""`--workers auto`: worker processes on one device, trials admitted by their memory estimates through
the study folder's ledger (search/packing/ledger.py, packed.PackedObjective). Fake estimates, no GPU."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from mahm_search.errors import ConfigError
from mahm_search.search.optuna import optuna_backend
from mahm_search.search import trial as trial_module
from mahm_search.search.packing import packed
from mahm_search.search.packing.ledger import MemoryLedger
from mahm_search.search.runner import run_study
from mahm_search.study.study_spec import load_study_spec
from support.search import Deadline, use_fake_trainer, write_study

MiB = 2**20
HERE = Path(__file__).parent
SPACE = {"train.batch_size": {"choices": [2, 4]}}
ESTIMATES = {2: 4 * MiB, 4: 7 * MiB}


def _fake_estimates(monkeypatch, estimates=ESTIMATES):
    from mahm_search.memory import unplanned

    def plan(config, budget, device):
        estimate = estimates[config.train.batch_size]
        return unplanned(config, estimate_bytes=estimate, fits=budget is None or estimate <= budget)

    monkeypatch.setattr(trial_module, "plan_memory", plan)


# -- how many workers ------------------------------------------------------------------------------
@pytest.mark.parametrize("memory, cpus, expected", [
    ("11MiB", 8, 2),   # 11 // 4 (the smallest estimate): memory decides
    ("40MiB", 3, 3),   # 10 would fit: the cores decide
    ("6MiB", 8, 1),    # the 7 MiB configuration never fits (pruned), one 4 MiB one at a time
    ("3MiB", 8, 1),    # nothing fits: one worker, whose trials the memory gate prunes
])
def test_auto_picks_the_count_from_the_estimates(tmp_path, monkeypatch, memory, cpus, expected):
    _fake_estimates(monkeypatch)
    monkeypatch.setattr(packed, "cpu_share", lambda: cpus)
    spec = load_study_spec(write_study(tmp_path, memory=memory, space=SPACE))
    count, why = packed.auto_worker_count(spec)
    assert count == expected, why


def test_auto_with_one_worker_runs_in_this_process(tmp_path, monkeypatch, capsys):
    calls = []
    use_fake_trainer(monkeypatch, calls)
    _fake_estimates(monkeypatch)
    monkeypatch.setattr(optuna_backend, "_run_processes", lambda *a: pytest.fail("no worker processes"))
    run_study(write_study(tmp_path, memory="6MiB", n_trials=3, space=SPACE), workers="auto")
    assert "--workers auto: 1 worker (smallest estimate 4.0 MiB of 6.0 MiB on cpu" in capsys.readouterr().out
    trials = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db").get_trials()
    assert len(trials) == 3 and all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)


def test_workers_must_be_a_positive_number_or_auto(tmp_path):
    from mahm_search.cli import _workers

    assert _workers("auto") == "auto" and _workers("3") == 3
    for bad in ("0", "-1", "many"):
        with pytest.raises(ConfigError, match="--workers"):
            _workers(bad)
    with pytest.raises(ConfigError, match="--workers"):
        run_study(write_study(tmp_path), workers="some")


# -- the ledger ------------------------------------------------------------------------------------
def test_ledger_admits_what_fits_and_keeps_the_oldest_waiters_place(tmp_path):
    ledger = MemoryLedger(tmp_path / "cpu.json")
    assert ledger.try_admit("a", 6 * MiB, 10 * MiB)
    assert not ledger.try_admit("big", 8 * MiB, 10 * MiB)  # 14 > 10: waits, first in line
    assert not ledger.try_admit("small", 4 * MiB, 10 * MiB)  # 10 would fit, but not with big's place
    ledger.release("a")
    assert not ledger.try_admit("small", 4 * MiB, 10 * MiB)  # big is still first
    assert ledger.try_admit("big", 8 * MiB, 10 * MiB) and ledger.running() == {"big": 8 * MiB}
    assert not ledger.try_admit("tiny", 2 * MiB, 10 * MiB)  # 8 + 2 fits, but small (4) is first now
    assert not ledger.try_admit("never", 11 * MiB, 10 * MiB)  # larger than the budget: no place kept
    assert set(json.loads((tmp_path / "cpu.json").read_text())["waiting"]) == {"small", "tiny"}
    ledger.release("big")
    assert ledger.try_admit("small", 4 * MiB, 10 * MiB) and ledger.try_admit("tiny", 2 * MiB, 10 * MiB)
    assert ledger.running() == {"small": 4 * MiB, "tiny": 2 * MiB}


def test_ledger_admit_waits_until_a_trial_ends(tmp_path):
    ledger = MemoryLedger(tmp_path / "cpu.json", poll_s=0.05)
    assert ledger.admit("a", 6 * MiB, 10 * MiB)
    waits, admitted = [], []
    waiter = threading.Thread(target=lambda: admitted.append(
        MemoryLedger(tmp_path / "cpu.json", poll_s=0.05).admit("b", 6 * MiB, 10 * MiB, on_wait=waits.append)))
    waiter.start()
    time.sleep(0.3)
    assert admitted == [] and waits == [{"a": 6 * MiB}]  # told once what it waits for
    ledger.release("a")
    waiter.join(5)
    assert admitted == [True] and ledger.running() == {"b": 6 * MiB}
    assert ledger.admit("c", 6 * MiB, 10 * MiB, timeout=0.2) is False  # timed out: its place withdrawn
    assert json.loads((tmp_path / "cpu.json").read_text())["waiting"] == {}
    assert ledger.admit("huge", 11 * MiB, 10 * MiB, timeout=5) is False  # at once


def test_a_dead_workers_entry_does_not_block_the_others(tmp_path):
    path = tmp_path / "cpu.json"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from mahm_search.search.packing.ledger import MemoryLedger; "
         f"assert MemoryLedger({str(path)!r}).try_admit('trial_0', 9 * 2**20, 10 * 2**20); "
         "print('admitted', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "admitted"
        ledger = MemoryLedger(path)
        assert not ledger.try_admit("trial_1", 4 * MiB, 10 * MiB)  # alive: 9 + 4 > 10
        holder.send_signal(signal.SIGKILL)  # dies without releasing
        holder.wait(10)
        assert ledger.try_admit("trial_1", 4 * MiB, 10 * MiB) and ledger.running() == {"trial_1": 4 * MiB}
    finally:
        holder.kill()
        holder.wait()
    # a pid reused by another process: told apart by its start time
    ledger.release("trial_1")
    state = {"running": {"trial_7": {"pid": os.getpid(), "start": "-1", "estimate_bytes": 9 * MiB,
                                     "since": 0}}, "waiting": {}}
    path.write_text(json.dumps(state))
    assert ledger.try_admit("trial_2", 4 * MiB, 10 * MiB)


# -- two worker processes, end to end ------------------------------------------------------------
def _concurrent_sets(intervals):
    """Every moment a trial began: the trials training at that moment."""
    return [[o for o in intervals if o["began"] <= i["began"] < o["ended"]] for i in intervals]


def test_two_workers_never_run_trials_together_beyond_the_budget(tmp_path):
    # grid over batch 2 (4 MiB) and 4 (7 MiB), each twice: 4+4 and 4+7 fit in 11 MiB, 7+7 must wait
    path = write_study(tmp_path, memory="11MiB", n_trials=4, repeats=2, sampler={"type": "grid", "seed": 0},
                       space=SPACE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    with Deadline(90):
        done = subprocess.run([sys.executable, str(HERE / "support" / "pack_driver.py"), str(path)], env=env,
                              capture_output=True, text=True, timeout=80)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "--workers auto: 2 workers (smallest estimate 4.0 MiB of 11.0 MiB on cpu" in done.stdout
    trials = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db").get_trials()
    assert len(trials) == 4 and all(t.state == TrialState.COMPLETE for t in trials)  # never a fifth
    intervals = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("tiny_runs/*/interval.json"))]
    assert len(intervals) == len(trials) and len({i["pid"] for i in intervals}) == 2  # both workers trained
    for together in _concurrent_sets(intervals):
        assert sum(o["estimate"] for o in together) <= 11 * MiB, together
    assert max(len(t) for t in _concurrent_sets(intervals)) == 2  # and trials did run side by side
    # each worker gets half of the (faked) 8 cores: its loader's share, and its torch intra-op pool
    assert all(i["cpus"] == "4" for i in intervals)
    if "OMP_NUM_THREADS" not in os.environ:  # a user's OMP_NUM_THREADS is left alone
        assert all(i["threads"] == 4 for i in intervals)
    # the recorded wall time is the training's, not the wait for memory
    assert all(t.user_attrs["wall_time_s"] < 5 for t in trials)
    ledger = json.loads((tmp_path / "tiny_packing" / "cpu.json").read_text())
    assert ledger == {"running": {}, "waiting": {}}
