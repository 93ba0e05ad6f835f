"""Ray on a cluster of two nodes (both on this machine, each with its own CPU): the study's trials run
on both nodes and land in the one study storage, as they would across hosts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
optuna = pytest.importorskip("optuna")

pytestmark = pytest.mark.ray
TESTS = Path(__file__).parent
STUDY = """\
name: two
backend: ray
n_trials: 4
sampler: {{type: random, seed: 0}}
pruner: {{type: none}}
base:
  train: {{steps: 6, eval_every: 2}}
space:
  train.lr: {{float: [1.0e-5, 1.0e-1], log: true}}
ray: {{cpus_per_trial: 1, address: "127.0.0.1:{port}"}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_cli(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "-m", "ray.scripts.scripts", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def _stop_our_cluster(temp_dir: str) -> None:
    """End only the Ray processes this test started: those whose command line names its temp dir."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if temp_dir.encode() in cmdline and int(pid) != os.getpid():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def two_nodes(monkeypatch):
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths have a length limit
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    try:
        _ray_cli("start", "--head", f"--port={port}", "--num-cpus=1", "--include-dashboard=false",
                 f"--temp-dir={temp_dir}", "--disable-usage-stats", env=env)
        _ray_cli("start", f"--address=127.0.0.1:{port}", "--num-cpus=1", env=env)
        yield port
    finally:
        _stop_our_cluster(temp_dir)
        time.sleep(0.5)


def test_trials_run_on_both_nodes_and_land_in_one_study(tmp_path, two_nodes):
    sys.path.insert(0, str(TESTS))
    from support import ray_driver, ray_fakes

    import mahm_search.search.trial as trial_module

    real_plan = trial_module.plan_memory
    try:
        path = tmp_path / "two.yaml"
        path.write_text(STUDY.format(port=two_nodes))
        spec = ray_driver.load_study_spec(path)
        ray_fakes.pickle_by_value(ray_driver.cloudpickle)
        trial_module.plan_memory = ray_fakes.fake_plan
        ray_driver.run_ray(spec, n_trials=4, workers=2, address=spec.ray.address,
                           train_fn=ray_fakes.fake_train_on_node)
    finally:
        trial_module.plan_memory = real_plan
        sys.path.remove(str(TESTS))
    trials = optuna.load_study(study_name="two", storage=f"sqlite:///{tmp_path}/two.db").trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 4
    nodes = {(tmp_path / "two_runs" / f"trial_{t.number}" / "node").read_text() for t in trials}
    assert len(nodes) == 2, nodes  # one CPU per node and two at once: both nodes trained trials
