"""Ray: a trial whose worker process dies is restarted from its last checkpoint (Tune's
FailureConfig), not failed with an error; a full disk stops the run with the trial left to retry;
and a file storage is refused on a multi-host cluster."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
optuna = pytest.importorskip("optuna")

from mahm_search.errors import ConfigError  # noqa: E402
from mahm_search.search.ray.cluster import check_cluster  # noqa: E402
from mahm_search.study.study_spec import load_study_spec  # noqa: E402

pytestmark = pytest.mark.ray
TESTS = Path(__file__).parent
STUDY = """\
name: dies
backend: ray
n_trials: 2
sampler: {type: random, seed: 0}
pruner: {type: none}
base:
  train: {steps: 8, eval_every: 2}
space:
  train.lr: {float: [1.0e-5, 1.0e-1], log: true}
ray: {cpus_per_trial: 1}
"""


@pytest.fixture
def driver():
    sys.path.insert(0, str(TESTS))
    from support import ray_driver, ray_fakes

    import mahm_search.search.trial as trial_module

    real_plan = trial_module.plan_memory
    yield ray_driver, ray_fakes
    trial_module.plan_memory = real_plan
    sys.path.remove(str(TESTS))


def test_dead_worker_resumes_its_trial_from_the_checkpoint(tmp_path, driver):
    ray_driver, ray_fakes = driver
    path = tmp_path / "dies.yaml"
    path.write_text(STUDY)
    ray_driver.run_with_fakes(path, train_fn=ray_fakes.fake_train_dying_once)
    trials = optuna.load_study(study_name="dies", storage=f"sqlite:///{tmp_path}/dies.db").trials
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE"], [t.user_attrs.get("error") for t in trials]
    for t in trials:
        run_dir = tmp_path / "dies_runs" / f"trial_{t.number}"
        assert (run_dir / "died_once").exists()  # the worker did die once
        assert (run_dir / "resumed_at").read_text() == "4"  # and its restart continued from step 4
        assert sorted(t.intermediate_values) == [2, 4, 6, 8] and "error" not in t.user_attrs


def _nodes(*hosts):
    return [{"NodeManagerAddress": h, "Alive": True} for h in hosts]


@pytest.mark.parametrize("storage", ["sqlite:///dies.db", "journal:dies.log"])
def test_file_storage_is_refused_on_a_multi_host_cluster(tmp_path, storage):
    path = tmp_path / "dies.yaml"
    path.write_text(STUDY + f"storage: {storage}\n")
    spec = load_study_spec(path)
    check_cluster(spec, _nodes("10.0.0.1", "10.0.0.1"))  # two nodes, one host: fine
    with pytest.raises(ConfigError) as err:
        check_cluster(spec, _nodes("10.0.0.1", "10.0.0.2"))
    assert any("spans 2 hosts" in p and "postgresql://" in p for p in err.value.problems)
    assert any("ray.storage_path" in p for p in err.value.problems)


def test_server_storage_and_shared_storage_path_pass_on_a_cluster(tmp_path):
    path = tmp_path / "dies.yaml"
    path.write_text(STUDY.replace("ray: {cpus_per_trial: 1}", "ray: {cpus_per_trial: 1, storage_path: /shared/ray}")
                    + "storage: postgresql://u@db/x\n")
    spec = load_study_spec(path)
    check_cluster(spec, _nodes("10.0.0.1", "10.0.0.2"))
    from mahm_search.search.ray.paths import experiments_dir

    assert experiments_dir(spec) == Path("/shared/ray/dies_ray")


def test_the_same_error_three_times_stops_a_ray_study(tmp_path, driver):
    from mahm_search.search.stopping.stop import StudyStopped

    ray_driver, ray_fakes = driver
    path = tmp_path / "dies.yaml"
    path.write_text(STUDY.replace("n_trials: 2", "n_trials: 8"))
    with pytest.raises(StudyStopped, match="3 trials in a row .* same error: ValueError: boom"):
        ray_driver.run_with_fakes(path, train_fn=ray_fakes.fake_train_broken)
    study = optuna.load_study(study_name="dies", storage=f"sqlite:///{tmp_path}/dies.db")
    failed = study.trials
    assert 3 <= len(failed) < 8 and all(t.state.name == "FAIL" for t in failed)
    # after the fix, --retry-failed's queue trains those configurations again on Ray too
    from mahm_search.search.retry_failed import requeue_failed

    requeue_failed(study)
    ray_driver.run_with_fakes(path)
    retried = [t for t in study.trials if t.number >= len(failed) and t.state.name == "COMPLETE"]
    assert sorted(t.params["train.lr"] for t in retried[:len(failed)]) == sorted(t.params["train.lr"] for t in failed)


def test_a_full_disk_stops_the_ray_run_and_the_rerun_resumes_the_trial(tmp_path, driver):
    from optuna.trial import TrialState

    from mahm_search.search.stopping.recovery import TMP_NAME
    from mahm_search.search.stopping.stop import StudyStopped

    ray_driver, ray_fakes = driver
    path = tmp_path / "dies.yaml"
    path.write_text(STUDY.replace("n_trials: 2", "n_trials: 3"))
    with pytest.raises(StudyStopped, match=r"dies.yaml \(trial 0\): no space left on device writing "
                                           r".*trial_0/checkpoint.pt; free space and rerun"):
        ray_driver.run_with_fakes(path, train_fn=ray_fakes.fake_train_disk_full)
    study = optuna.load_study(study_name="dies", storage=f"sqlite:///{tmp_path}/dies.db")
    trials = study.trials
    assert trials[0].state == TrialState.FAIL and "error" not in trials[0].user_attrs  # not counted
    assert not [t.number for t in trials if "error" in t.user_attrs or t.state == TrialState.RUNNING]
    retries = {t.system_attrs["failed_trial"]: t for t in trials if t.state == TrialState.WAITING}
    assert sorted(retries) == [t.number for t in trials if t.state == TrialState.FAIL]  # each queued again
    assert retries[0].intermediate_values == trials[0].intermediate_values  # the curve goes with the retry
    assert sorted(trials[0].intermediate_values) == [2, 4]  # step 4's value was stored before its checkpoint
    assert not [p for p in tmp_path.rglob("*") if TMP_NAME.search(p.name)]  # no half-written file left

    ray_driver.run_with_fakes(path, train_fn=ray_fakes.fake_train_noting_resume)  # space freed
    trials = study.trials
    counted = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(counted) == 3 and not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    retry = next(t for t in counted if t.system_attrs.get("failed_trial") == 0)
    assert retry.params == trials[0].params and sorted(retry.intermediate_values) == [2, 4, 6, 8]
    assert (tmp_path / "dies_runs" / "trial_0" / "resumed_at").read_text() == "2"  # from its checkpoint
