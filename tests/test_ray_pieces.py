"""Ray backend pieces that need no running Ray: pruner -> scheduler, missing extra, GPU shares."""

from __future__ import annotations

import builtins

import pytest

from mahm_search.errors import ConfigError, MahmError
from mahm_search.search.study_spec import load_study_spec


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
