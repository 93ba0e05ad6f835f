"""Ray backend pieces that need no running Ray: pruner -> scheduler, missing extra, GPU shares."""

from __future__ import annotations

import builtins

import pytest

from mahm_search.errors import ConfigError, MahmError
from mahm_search.study.study_spec import load_study_spec


def study(tmp_path, pruner: str, args: str = "{}", extra: str = ""):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\nbackend: ray\npruner: {{type: {pruner}, args: {args}}}\n"
                    f"base: {{train: {{steps: 64, eval_every: 4}}}}\n{extra}")
    return load_study_spec(path)


@pytest.mark.ray
@pytest.mark.parametrize("pruner,expected", [
    ("none", "FIFOScheduler"), ("median", "MedianStoppingRule"),
    ("successive_halving", "AsyncHyperBandScheduler"), ("hyperband", "AsyncHyperBandScheduler")])
def test_pruner_becomes_the_matching_scheduler(tmp_path, pruner, expected):
    pytest.importorskip("ray")
    from mahm_search.search.ray.schedulers import make_scheduler

    scheduler = make_scheduler(study(tmp_path, pruner), "score", "min", max_steps=64, first_eval=4)
    assert type(scheduler).__name__ == expected


@pytest.mark.ray
def test_unsupported_pruner_is_a_config_error(tmp_path):
    pytest.importorskip("ray")
    from mahm_search.search.ray.schedulers import make_scheduler

    with pytest.raises(ConfigError, match="pruner.type"):
        make_scheduler(study(tmp_path, "percentile", "{percentile: 25.0}"), "score", "min", 64, 4)


def test_missing_ray_says_how_to_install(tmp_path, monkeypatch):
    from mahm_search.search.ray.session import import_ray

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'", name="ray")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(MahmError, match=r"mahm-search\[ray\]"):
        import_ray()


@pytest.mark.ray
def test_pack_gpu_shares_a_gpu_by_estimate(tmp_path):
    pytest.importorskip("ray")
    from mahm_search.search.ray.resources import resources_function

    spec = study(tmp_path, "none", extra="pack_gpu: true\nray: {cpus_per_trial: 2}\n")
    on_gpus = resources_function(spec, {"CPU": 8, "GPU": 1})
    bundle = on_gpus({"mahm": {"gpu_share": 0.25}}).bundles[0]
    assert bundle == {"CPU": 2.0, "GPU": 0.25}
    assert resources_function(spec, {"CPU": 8})({"mahm": {"gpu_share": 0.25}}).bundles[0] == {"CPU": 2.0}


@pytest.mark.ray
def test_racing_ray_searcher_waits_then_finishes_when_the_race_is_over(tmp_path):
    """The driver's searcher follows the race as the Optuna worker loop does: with every configuration
    of a finite space tried it waits (None) while a trial runs, and says FINISHED once the race is
    over, long before n_trials."""
    pytest.importorskip("ray")
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna.trial import TrialState, create_trial
    from ray.tune.search import Searcher

    from mahm_search.search.ray.backend import _sampler
    from mahm_search.search.ray.searcher import AdmittingOptunaSearch
    from mahm_search.study.storage import make_storage, open_study

    spec = study(tmp_path, "none", extra=f"storage: sqlite:///{tmp_path}/s.db\nrepeats: auto\nn_trials: 40\n"
                                         "space: {train.lr: {choices: [0.001, 0.01]}}\n")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ot_study = open_study(spec, create=True)
    dist = {"train.lr": CategoricalDistribution([0.001, 0.01])}
    for lr, repeat, value in ((0.001, 0, 40.0), (0.01, 0, 60.0), (0.001, 1, 40.3), (0.01, 1, 60.2)):
        ot_study.add_trial(create_trial(state=TrialState.COMPLETE, value=value, params={"train.lr": lr},
                                        distributions=dist, user_attrs={"repeat": repeat}))
    searcher = AdmittingOptunaSearch(spec, make_storage(spec), _sampler(spec), spec.n_trials)
    assert searcher.suggest("t0") is Searcher.FINISHED  # 0.01 is shown worse: nothing left to train
    ot_study.add_trial(create_trial(state=TrialState.RUNNING, params={"train.lr": 0.01}, distributions=dist,
                                    user_attrs={"repeat": 2}))
    assert searcher.suggest("t1") is None  # its score may reopen the race
