"""`ray.storage_path` as a pyarrow filesystem URI (s3://, gs://, file:// ...): Tune's experiments go
there, and which one to restore is decided by listing it through the same filesystem. No network:
file:// (a local folder in URI form, which the Ray workers reach too) and pyarrow's in-memory mock://."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

ray = pytest.importorskip("ray")
optuna = pytest.importorskip("optuna")

from mahm_search.cli import app  # noqa: E402
from mahm_search.search.ray import backend  # noqa: E402
from mahm_search.search.ray.cluster import check_cluster  # noqa: E402
from mahm_search.search.ray.paths import experiment_store  # noqa: E402
from mahm_search.study.study_spec import load_study_spec  # noqa: E402
from support.search import write_study  # noqa: E402

pytestmark = pytest.mark.ray
TESTS = Path(__file__).parent
STUDY = """\
name: uri
backend: ray
n_trials: {n_trials}
sampler: {{type: random, seed: 0}}
pruner: {{type: none}}
base:
  train: {{steps: 4, eval_every: 2}}
space:
  train.lr: {{float: [1.0e-5, 1.0e-1], log: true}}
ray: {{cpus_per_trial: 1, storage_path: "{storage_path}"}}
"""


@pytest.fixture
def driver():
    sys.path.insert(0, str(TESTS))
    from support import ray_driver

    import mahm_search.search.trial as trial_module

    real_plan = trial_module.plan_memory
    yield ray_driver
    trial_module.plan_memory = real_plan
    sys.path.remove(str(TESTS))


def _study(folder: Path, storage_path: str, n_trials: int = 2) -> Path:
    path = folder / "uri.yaml"
    path.write_text(STUDY.format(n_trials=n_trials, storage_path=storage_path))
    return path


def test_experiments_go_to_the_uri_and_a_rerun_continues_there(tmp_path, driver):
    remote, here = tmp_path / "bucket" / "studies", tmp_path / "here"
    here.mkdir()
    path = _study(here, f"file://{remote}")
    driver.run_with_fakes(path)
    assert sorted(p.name for p in (remote / "uri_ray").iterdir()) == ["run_000"]
    assert list((remote / "uri_ray" / "run_000").glob("experiment_state-*.json"))
    assert sorted(p.name for p in here.iterdir()) == ["uri.db", "uri.yaml", "uri_runs"]  # no uri_ray here

    driver.run_with_fakes(path, n_trials=3)  # finished: a new experiment next to it, named by listing it
    assert sorted(p.name for p in (remote / "uri_ray").iterdir()) == ["run_000", "run_001"]
    trials = optuna.load_study(study_name="uri", storage=f"sqlite:///{here}/uri.db").trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3


def _write(fs, path: str, data: bytes) -> None:
    with fs.open_output_stream(path) as f:
        f.write(data)


def test_restore_is_decided_by_listing_the_uri_filesystem(tmp_path, monkeypatch):
    spec = load_study_spec(_study(tmp_path, "mock://bucket/studies"))
    store = experiment_store(spec)
    assert store.location == "mock://bucket/studies/uri_ray" and store.tune_filesystem is store.fs
    assert backend.experiment_point(spec) == backend.ExperimentPoint(None, False, "run_000")

    run = f"{store.fs_path}/run_000"
    store.fs.create_dir(run)
    _write(store.fs, f"{run}/tuner.pkl", b"")  # what Tuner.can_restore looks for
    state = {"trial_data": [[json.dumps({"status": "RUNNING"}), "{}"]]}  # a driver killed mid-trial
    _write(store.fs, f"{run}/experiment_state-2026-01-01_00-00-00.json", json.dumps(state).encode())
    listings = []
    for name in ("runs", "files"):  # each listing is a request on s3:// or gs://: count them
        real = getattr(type(store), name)
        monkeypatch.setattr(type(store), name, lambda self, *a, _real=real, _n=name: listings.append(_n) or _real(self, *a))
    assert backend.experiment_point(spec) == backend.ExperimentPoint("run_000", True, "run_001")
    assert listings == ["runs", "files"]
    state["trial_data"][0][0] = json.dumps({"status": "TERMINATED"})  # the run ended normally
    _write(store.fs, f"{run}/experiment_state-2026-01-01_00-00-01.json", json.dumps(state).encode())
    assert backend.experiment_point(spec) == backend.ExperimentPoint("run_000", False, "run_001")


def test_a_uri_storage_path_passes_the_cluster_check(tmp_path):
    path = _study(tmp_path, "s3://bucket/studies")
    path.write_text(path.read_text() + "storage: postgresql://u@db/x\n")
    nodes = [{"NodeManagerAddress": h, "Alive": True} for h in ("10.0.0.1", "10.0.0.2")]
    check_cluster(load_study_spec(path), nodes)  # every node reaches a bucket


def test_a_bad_uri_is_a_config_error_before_any_trial(tmp_path):
    path = write_study(tmp_path, backend="ray", ray={"cpus_per_trial": 1, "storage_path": "s4://bucket/studies"})
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert "tiny.yaml: ray.storage_path: cannot open 's4://bucket/studies'" in line
    assert "Unrecognized filesystem type" in line and "s3://BUCKET/PREFIX" in line
    assert not (tmp_path / "tiny.db").exists() and not ray.is_initialized()  # nothing started
