"""SLURM job arrays through submitit: options, the storage check, and a local-executor array whose
job gets a forced timeout (submitit's signal) mid-trial: the trial checkpoints, the job is requeued
through submitit's checkpoint/requeue, and the study ends with exactly n_trials."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

pytest.importorskip("submitit")

from mahm_search.errors import ConfigError  # noqa: E402
from mahm_search.search.slurm import job_lines, read_jobs, slurm_options, submit_study  # noqa: E402
from mahm_search.study.study_spec import load_study_spec  # noqa: E402
from support.search import TINY_TRAIN, write_study  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_options_from_the_flag_over_the_study_section():
    opts = slurm_options({"partition": "cpu", "array": 2}, "partition=gpu,gpus_per_node=1,timeout_min=1440,array=8",
                         "s.yaml")
    assert opts.array == 8 and opts.cluster == "slurm"
    assert opts.executor_parameters() == {"timeout_min": 1440, "slurm_partition": "gpu", "gpus_per_node": 1}
    with pytest.raises(ConfigError, match=r"s.yaml: slurm.array: .*greater than or equal to 1"):
        slurm_options(None, "array=0", "s.yaml")
    with pytest.raises(ConfigError, match=r"--slurm: 'gpu': expected key=value"):
        slurm_options(None, "partition=a,gpu", "s.yaml")


def test_a_bad_slurm_section_names_the_field(tmp_path):
    path = write_study(tmp_path, slurm={"array": "many"})
    with pytest.raises(ConfigError, match=r"slurm.array"):
        load_study_spec(path)


def test_an_unknown_submitit_parameter_is_one_line(tmp_path):
    path = write_study(tmp_path)
    with pytest.raises(ConfigError, match=r"tiny.yaml: slurm: .*partitionn"):
        submit_study(path, "cluster=local,partitionn=gpu")


def test_an_in_memory_storage_is_refused(tmp_path):
    path = write_study(tmp_path, storage="sqlite:///:memory:")
    with pytest.raises(ConfigError, match=r"in-memory storage cannot be shared"):
        submit_study(path, "cluster=local")


def _trials(folder: Path):
    try:
        return optuna.load_study(study_name="tiny", storage=f"sqlite:///{folder}/tiny.db").get_trials()
    except Exception:
        return []


def _tasks(controller_pid: int) -> list[int]:
    """The job's task processes (children of submitit's local controller)."""
    try:
        return [int(p) for p in Path(f"/proc/{controller_pid}/task/{controller_pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_local_array_requeues_a_timed_out_job_and_completes_exactly_n_trials(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the jobs import this checkout
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    path = write_study(tmp_path, n_trials=3, train={**TINY_TRAIN, "steps": 8, "eval_every": 2})
    # timeout_min=5: submitit guarantees only min(80%, timeout - 10 min), so any signal is a timeout
    jobs = submit_study(path, "cluster=local,array=2,wait=false,timeout_min=5")
    assert [s["job_ids"] for s in read_jobs(load_study_spec(path))] == [[str(j.job_id) for j in jobs]]
    deadline = time.monotonic() + 280
    while time.monotonic() < deadline:  # a trial past its first eval (which job trains it: either)
        if any(t.state == TrialState.RUNNING and t.intermediate_values for t in _trials(tmp_path)):
            break
        assert not all(j.done() for j in jobs), [j.stderr() for j in jobs]
        time.sleep(0.3)
    else:
        raise AssertionError("no job trained a trial")
    # submitit's signal before the time limit (SLURM's --signal=USR2@90), to every task still running
    interrupted = [j for j in jobs if not j.done()]
    for job in interrupted:
        for pid in _tasks(job._process.pid):
            os.kill(pid, signal.SIGUSR2)
    for job in jobs:
        job.result()
    trials = _trials(tmp_path)
    counted = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(counted) == 3 and all(t.state == TrialState.COMPLETE for t in counted)  # exactly n_trials
    stopped = [t for t in trials if t.state == TrialState.FAIL]
    assert stopped and all("error" not in t.user_attrs for t in stopped)
    for t in stopped:
        assert t.user_attrs["interrupted"]["reason"] == "SIGUSR2"
        retry = next(r for r in counted if r.system_attrs.get("failed_trial") == t.number)
        assert retry.user_attrs["resumed_from_step"] == t.user_attrs["interrupted"]["step"]  # 0 steps lost
        assert retry.user_attrs["steps_done"] == 8
    logs = "".join((j.stdout() or "") + (j.stderr() or "") for j in interrupted)
    assert "slurm requeue job" in logs and "preempted step" in logs and "this job is timed-out" in logs
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    assert any(str(jobs[0].job_id) in line for line in job_lines(load_study_spec(path)))
