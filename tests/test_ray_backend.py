"""The Ray Tune backend end to end on a local 2-CPU Ray, with a millisecond stand-in trainer
(tests/support/ray_fakes.py) so the tests exercise Ray, the admission and the storage, not the network."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ray = pytest.importorskip("ray")
optuna = pytest.importorskip("optuna")

pytestmark = pytest.mark.ray

TESTS = Path(__file__).parent
STUDY = """\
name: {name}
backend: ray
n_trials: {n_trials}
memory: 6000          # the stand-in planner needs 1000 B per sample: batch 8 never fits
sampler: {{type: random, seed: 0}}
pruner: {{type: successive_halving, args: {{min_resource: 2, reduction_factor: 2}}}}
base:
  train: {{steps: {steps}, eval_every: 2}}
space:
  train.lr: {{float: [1.0e-5, 1.0e-1], log: true}}
  train.batch_size: {{choices: [2, 4, 8]}}
ray: {{cpus_per_trial: 1}}
"""


def write_study(folder: Path, name: str, n_trials: int, steps: int = 8) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(STUDY.format(name=name, n_trials=n_trials, steps=steps))
    return path


def load(folder: Path, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=f"sqlite:///{folder / name}.db")


@pytest.fixture(scope="module")
def fakes():
    sys.path.insert(0, str(TESTS))
    from support import ray_driver

    import mahm_search.search.trial as trial_module

    real_plan = trial_module.plan_memory
    yield ray_driver  # run_with_fakes swaps in the stand-in planner
    trial_module.plan_memory = real_plan
    sys.path.remove(str(TESTS))


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory, fakes):
    """One small study run once on a local Ray; several tests read it."""
    folder = tmp_path_factory.mktemp("ray_tiny")
    study_file = write_study(folder, "tiny", n_trials=6)
    fakes.run_with_fakes(study_file)
    return folder, study_file


def test_tiny_study_lands_in_optuna_storage(tiny_study):
    tmp_path, _ = tiny_study
    assert not ray.is_initialized()  # shut down at the end

    trials = load(tmp_path, "tiny").trials
    assert len(trials) == 6
    states = {t.state.name for t in trials}
    assert states <= {"COMPLETE", "PRUNED"}
    for t in trials:
        for key in ("config", "config_key", "repeat", "seed", "memory_estimate_bytes", "rescue",
                    "steps_done", "wall_time_s"):
            assert key in t.user_attrs, (t.number, key)
        if t.state.name == "COMPLETE":
            # every eval step, the last one included, and the value is the last one
            assert sorted(t.intermediate_values) == [2, 4, 6, 8]
            assert t.value == t.intermediate_values[8]
            assert t.user_attrs["params_count"] == 1234 and t.user_attrs["final_metrics"]
        else:
            assert t.user_attrs["prune_reason"] in ("memory", "pruner")
        if t.user_attrs.get("prune_reason") == "pruner":
            steps = sorted(t.intermediate_values)
            assert steps and steps[-1] == t.user_attrs["steps_done"] < 8
    # memory-infeasible configs are pruned before launch: never a Tune trial, no step trained
    memory = [t for t in trials if t.user_attrs.get("prune_reason") == "memory"]
    assert memory and all(t.params["train.batch_size"] == 8 for t in memory)
    tune_dirs = {p.name for p in (tmp_path / "tiny_ray" / "run_000").glob("trial_*")}
    for t in memory:
        assert not t.intermediate_values and f"trial_{t.number}" not in tune_dirs
    assert any(t.state.name == "COMPLETE" for t in trials)


def test_status_and_plot_read_a_ray_study(tiny_study):
    from typer.testing import CliRunner

    from mahm_search.cli import app

    tmp_path, study_file = tiny_study
    runner = CliRunner()
    out = runner.invoke(app, ["status", str(study_file), "--json"])
    assert out.exit_code == 0, out.output
    status = json.loads(out.output)
    assert status["done"] >= sum(status["states"].get(s, 0) for s in ("COMPLETE", "PRUNED")) > 0
    assert status["best"] is not None and status["best"]["steps_done"] > 0
    out = runner.invoke(app, ["plot", str(study_file), "--out", str(tmp_path / "figs")])
    assert out.exit_code == 0, out.output
    trials = pd.read_csv(tmp_path / "figs" / "trials.csv")
    assert len(trials) == sum(status["states"].values()) and (tmp_path / "figs" / "curves.png").is_file()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_killed_driver_resumes_without_repeating_finished_trials(tmp_path, fakes):
    from mahm_search.study.storage import with_retries

    study_file = write_study(tmp_path, "crash", n_trials=4, steps=8)
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # its own local Ray, never another
    env["MAHM_FAKE_STEP_S"] = "0.4"  # slow enough to be killed mid-study
    # A new session: the driver and the local Ray it starts form one process group that this
    # test owns, so killing that group ends exactly the processes this test started.
    proc = subprocess.Popen([sys.executable, str(TESTS / "support" / "ray_driver.py"), str(study_file)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    db = tmp_path / "crash.db"
    finished_before = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if not db.is_file():
                continue
            try:  # with_retries: the driver may be creating the schema this instant
                trials = with_retries(lambda: load(tmp_path, "crash").trials)
            except KeyError:  # the database exists, the study not yet
                continue
            done = [t for t in trials if t.state.is_finished()]
            # Kill while the driver is alive with at least one finished trial; under load the next
            # trials may not have reported yet, which the assertions below allow for.
            if done and proc.poll() is None:
                finished_before = {t.number: (t.state.name, t.value, dict(t.intermediate_values))
                                   for t in done}
                break
        assert finished_before, f"the driver never finished a trial while alive (exit code {proc.poll()})"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        for _ in range(50):  # Ray's processes may take a moment to go
            if not _group_alive(proc.pid):
                break
            time.sleep(0.1)
    assert not _group_alive(proc.pid)

    fakes.run_with_fakes(study_file)  # the same command again
    trials = load(tmp_path, "crash").trials
    assert all(t.state.is_finished() for t in trials), "no trial may stay RUNNING after the rerun"
    counted = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(counted) == 4
    # A trial the killed driver was running either continued from its checkpoint (Tuner.restore) or,
    # when Tune had not saved it yet, was failed without an error and replaced by a new trial.
    orphans = [t for t in trials if t.state.name == "FAIL"]
    # At most one orphan per trial slot the killed driver had running (2 CPUs, 1 CPU per trial).
    assert all("error" not in t.user_attrs for t in orphans) and len(orphans) <= 2
    for number, (state, value, values) in finished_before.items():
        t = trials[number]
        assert (t.state.name, t.value, dict(t.intermediate_values)) == (state, value, values)
    for t in trials:
        if t.state.name == "COMPLETE":
            assert sorted(t.intermediate_values) == [2, 4, 6, 8]
    experiments = sorted(p.name for p in (tmp_path / "crash_ray").glob("run_*"))
    assert experiments[0] == "run_000"
