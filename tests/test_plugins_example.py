"""The worked example installed (entry points only, no line of mahm_search/ about it): a study searches
its backbone, head, dataset, loss term and metric, trains every trial, and estimates memory exactly."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
import yaml
from optuna.trial import TrialState

from support.lab_plugins import EXAMPLE, install_example


@pytest.fixture()
def lab(tmp_path, monkeypatch):
    install_example(tmp_path / "site", monkeypatch)
    from mahm_lab_plugins.fixture import make_fixture

    return make_fixture(tmp_path / "fixture", n=20)


def _study(tmp_path: Path, fixture: Path) -> Path:
    study = yaml.safe_load((EXAMPLE / "studies" / "lab_search.yaml").read_text())
    study.update(n_trials=2, train={"steps": 4, "eval_every": 2, "batch_size": 4, "warmup_steps": 0},
                 heartbeat={"interval": 1, "grace_period": 3, "max_retry": 2})
    study["data"]["args"] = {"root": str(fixture), "val_count": 8}
    path = tmp_path / "lab_search.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path


def test_example_study_searches_the_lab_plugins(tmp_path, lab):
    from mahm_search.search.runner import run_study

    run_study(_study(tmp_path, lab))
    trials = optuna.load_study(study_name="lab_search", storage=f"sqlite:///{tmp_path}/lab_search.db").get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2, [t.user_attrs.get("error") for t in trials]
    assert {t.params["arch.backbone_args.width"] for t in trials} <= {8, 16}
    for t in trials:
        config = t.user_attrs["config"]
        assert config["arch"]["backbone"] == "lab_tiny" and config["arch"]["head"] == "lab_direct"
        assert config["arch"]["backbone_args"]["width"] == t.params["arch.backbone_args.width"]
        assert config["loss"]["weights"]["bone_length"] == t.params["loss.weights.bone_length"]
        metrics = t.user_attrs["final_metrics"]
        assert metrics["bone_error"] > 0 and metrics["mpjpe_right"] > 0
        assert "mpjpe_left" not in metrics  # the left hand is masked in every sample
        # the estimate traced the plug-ins' real step: it is the measured tensor peak on CPU
        estimate, peak = t.user_attrs["memory_estimate_tensor_bytes"], t.user_attrs["memory_peak_bytes"]
        assert abs(peak / estimate - 1) < 0.03, (estimate, peak)


def test_describe_counts_params_and_flops_of_the_plugins(lab):
    from mahm_search.config import TrialConfig
    from mahm_search.console.describe import params_and_flops

    small = TrialConfig.model_validate({"arch": {"backbone": "lab_tiny", "backbone_args": {"width": 8},
                                                 "head": "lab_direct", "input_size": 64}})
    big = TrialConfig.model_validate({"arch": {"backbone": "lab_tiny", "backbone_args": {"width": 16},
                                               "head": "lab_direct", "input_size": 64}})
    (p_small, f_small, _), (p_big, f_big, _) = params_and_flops(small), params_and_flops(big)
    assert 0 < p_small < p_big and 0 < f_small < f_big


def test_no_line_of_the_package_names_the_example():
    package = Path(__file__).resolve().parents[1] / "mahm_search"
    for path in package.rglob("*.py"):
        text = path.read_text()
        for word in ("mahm_lab_plugins", "lab_tiny", "lab_direct", "freihand_like", "bone_length"):
            assert word not in text, (path, word)


def test_entry_points_are_listed_without_importing_the_package(tmp_path, monkeypatch):
    import sys

    from mahm_search.plugins import BACKBONES, DATASETS, HEADS, LOSS_TERMS, METRICS

    install_example(tmp_path / "site", monkeypatch)
    assert "lab_tiny" in BACKBONES.names() and "lab_direct" in HEADS.names()
    assert "freihand_like" in DATASETS.names() and "bone_length" in LOSS_TERMS.names() and "bone_error" in METRICS.names()
    assert BACKBONES.problem("lab_tiny") is None
    assert not any(m.startswith("mahm_lab_plugins") for m in sys.modules)  # loaded only when built
    assert BACKBONES.get("lab_tiny").__module__ == "mahm_lab_plugins.backbone"


def test_an_entry_point_that_does_not_load_is_one_line(tmp_path, monkeypatch):
    from mahm_search.errors import ConfigError
    from mahm_search.model import ArchSpec, build_model

    info = tmp_path / "broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[mahm_search.backbones]\nbroken_net = no_such_module.nets:net\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    arch = ArchSpec(backbone="broken_net", input_size=64)  # listed: the name validates without loading
    with pytest.raises(ConfigError) as err:
        build_model(arch)
    [line] = err.value.problems
    assert line.startswith("arch.backbone: backbone 'broken_net': its entry point 'no_such_module.nets:net' does "
                           "not load (ModuleNotFoundError"), line
