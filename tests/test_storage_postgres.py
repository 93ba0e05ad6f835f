"""Several `mahm-search run` workers on one real PostgreSQL database (a throwaway server started
here): they start together on an empty database (the schema race), one is SIGKILLed mid-trial, and
the study still completes with no trial lost and none repeated: the killed trial is retried once,
in its own run folder, from its checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support import pg_server
from support.search import write_study

TESTS = Path(__file__).parent
WORKERS, N_TRIALS, STEPS = 3, 4, 10



def _trials(url):
    import optuna

    try:
        return optuna.load_study(study_name="tiny", storage=url).get_trials()
    except KeyError:
        return []


def test_workers_on_postgres_survive_a_kill_without_losing_or_repeating(tmp_path, postgres_server):
    import optuna
    from optuna.trial import TrialState

    url = pg_server.create_database(postgres_server, "workers")
    path = write_study(tmp_path, n_trials=N_TRIALS, storage=url,
                       train={"steps": STEPS, "eval_every": 2, "batch_size": 4, "warmup_steps": 0})
    env = {**os.environ, "MAHM_FAKE_STEP_S": "0.25"}
    procs = [subprocess.Popen([sys.executable, str(TESTS / "support" / "pg_worker.py"), str(path)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(WORKERS)]
    try:
        deadline = time.monotonic() + 120
        victim = None
        while victim is None and time.monotonic() < deadline:
            for t in _trials(url):
                pid_file = tmp_path / "tiny_runs" / f"trial_{t.number}" / "pid"
                if t.state == TrialState.RUNNING and len(t.intermediate_values) >= 2 and pid_file.exists():
                    victim = (t.number, int(pid_file.read_text()))
                    break
            time.sleep(0.2)
        assert victim is not None, "no trial reached its second eval"
        killed, pid = victim
        proc = next(p for p in procs if p.pid == pid)
        proc.send_signal(signal.SIGKILL)  # one of our own workers, mid-trial
        outputs = [p.communicate(timeout=180)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    survivors = [(p.returncode, out) for p, out in zip(procs, outputs) if p.pid != pid]
    assert all(code == 0 for code, _ in survivors), [out[-1500:] for _, out in survivors]

    trials = _trials(url)
    assert not any(t.state in (TrialState.RUNNING, TrialState.WAITING) for t in trials)
    done = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert not [t for t in trials if t.state == TrialState.FAIL and "error" in t.user_attrs]
    assert len(done) == N_TRIALS  # workers asking together never overshoot (search/optuna/ask_lock.py)
    (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") == killed]  # retried once
    assert retry.state == TrialState.COMPLETE and retry.params == trials[killed].params
    assert sorted(retry.intermediate_values) == list(range(2, STEPS + 1, 2))
    assert not (tmp_path / "tiny_runs" / f"trial_{retry.number}").exists()  # it used the dead trial's folder
    for t in done:  # none repeated: each run folder trained each step once, bar steps after its last checkpoint
        number = t.system_attrs.get("failed_trial", t.number)
        steps = [int(s) for s in (tmp_path / "tiny_runs" / f"trial_{number}" / "steps.log").read_text().split()]
        if number != killed:
            assert steps == list(range(1, STEPS + 1)), (number, steps)
        else:
            assert steps[-1] == STEPS and sorted(set(steps)) == list(range(1, STEPS + 1))
    assert optuna.load_study(study_name="tiny", storage=url).user_attrs["objective_metric"] == "score"
