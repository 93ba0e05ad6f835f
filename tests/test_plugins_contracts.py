"""Plug-ins' ways in (decorator, module:callable, entry points in test_plugins_example.py) and their
contracts: a plug-in that breaks one gets one line naming it and the rule, before training."""

from __future__ import annotations

import sys

import pytest
import torch
from torch import nn

from mahm_search import register_backbone
from mahm_search.config import TrialConfig
from mahm_search.errors import ConfigError, parse_model
from mahm_search.model import ArchSpec, build_model
from mahm_search.plugins import BACKBONES

PARTS = "support.plugin_parts"
TINY = {"input_size": 64, "width_mult": 0.25, "split_dim": 32, "cascade_widths": [32], "attention_heads": 1,
        "ief_iters": 1}


def _config(**sections) -> TrialConfig:
    arch = {**TINY, **sections.pop("arch", {})}
    return parse_model(TrialConfig, {"arch": arch, **sections}, "study.yaml")


def _problems(**sections) -> list[str]:
    with pytest.raises(ConfigError) as err:
        _config(**sections)
    return err.value.problems


@pytest.fixture()
def lab_backbone():
    @register_backbone("test_lab_tiny")
    def lab_tiny(width=8):
        return nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.ReLU(), nn.Conv2d(width, 2 * width, 3, 4, 1))

    yield "test_lab_tiny"
    BACKBONES.unregister("test_lab_tiny")


def test_unknown_backbone_is_one_line_listing_what_is_registered(lab_backbone):
    [line] = _problems(arch={"backbone": "convnext_tiny"})
    assert line.startswith("study.yaml: arch.backbone: unknown backbone 'convnext_tiny'")
    assert "registered: resnet18, resnet34, resnet50, " in line and "test_lab_tiny" in line and "timm/<name>" in line


def test_a_decorated_backbone_is_measured_by_a_dry_run_and_trains_the_mahm_head(lab_backbone):
    arch = ArchSpec(**TINY, backbone=lab_backbone, backbone_args={"width": 4}, heatmap="aux")
    model = build_model(arch)
    assert (model.backbone.out_channels, model.backbone.stride) == (8, 8)
    out = model(torch.randn(2, 3, 64, 64))
    assert out["stages"][-1]["joints_3d"].shape == (2, 2, 21, 3) and out["heatmaps"].shape[:2] == (2, 42)


def test_module_callable_names_a_plugin_directly():
    config = _config(arch={"backbone": f"{PARTS}:tiny_backbone", "backbone_args": {"width": 4}})
    assert build_model(config.arch).backbone.out_channels == 8
    [line] = _problems(arch={"backbone": f"{PARTS}:no_such_function"})
    assert f"module '{PARTS}' has no attribute 'no_such_function'" in line


def test_a_backbone_that_returns_a_vector_is_refused_naming_the_rule():
    from mahm_search.train.plugins import plugin_problems

    config = _config(arch={"backbone": f"{PARTS}:pooled_backbone"})
    [line] = plugin_problems(config)
    assert line.startswith(f"arch.backbone: plug-in '{PARTS}:pooled_backbone' breaks the backbone contract")
    assert "(B,C,h,w)" in line and "rank 2" in line


def test_integral_heatmaps_need_a_resnet(lab_backbone):
    [line] = _problems(arch={"backbone": lab_backbone, "heatmap": "integral"})
    assert "heatmap: 'integral' reads a ResNet's stride-8 layer" in line and "none, aux or feed" in line


def test_a_head_with_the_wrong_outputs_is_refused_naming_the_rule():
    from mahm_search.train.plugins import plugin_problems

    config = _config(arch={"backbone": f"{PARTS}:tiny_backbone", "head": f"{PARTS}:short_head"})
    [line] = plugin_problems(config)
    assert line.startswith(f"arch.head: plug-in '{PARTS}:short_head' breaks the head contract: stages[0]['pose']")


def test_loss_term_and_metric_contracts():
    from mahm_search.train.plugins import plugin_problems

    good = _config(loss={"weights": {f"{PARTS}:per_sample_loss": 0.0}},
                   train={"metrics": [f"{PARTS}:mean_depth", f"{PARTS}:scalar_metric"]})
    assert plugin_problems(good) == []  # weight 0: the term is off; both metric shapes are allowed
    bad = _config(loss={"weights": {f"{PARTS}:per_sample_loss": 1.0}})
    [line] = plugin_problems(bad)
    assert line.startswith(f"loss.weights.{PARTS}:per_sample_loss: plug-in '{PARTS}:per_sample_loss' breaks the "
                           "loss-term contract: expected a float scalar tensor")
    [line] = _problems(loss={"weights": {"no_such_term": 1.0}})
    assert "no_such_term: not a built-in loss term" in line and "unknown loss term 'no_such_term'" in line


def test_a_dataset_with_nan_behind_its_mask_is_refused(generated_mano_dir):
    from mahm_search.data.build import build_datasets

    config = _config(data={"source": f"{PARTS}:nan_left_hand", "args": {"n": 2}})
    with pytest.raises(ConfigError) as err:
        build_datasets(config.data, config.mano)
    [line] = err.value.problems
    assert line == (f"data.source: plug-in '{PARTS}:nan_left_hand' breaks the dataset contract: train sample 0: "
                    "joints_3d holds NaN or inf (give a missing hand zeros and mask it with "
                    "hand_valid/joint_valid/mano_valid)")


def test_search_space_reaches_plugin_arguments_and_terms():
    from mahm_search.config import is_config_path

    assert is_config_path("arch.backbone_args.width") and is_config_path("data.args.root")
    assert is_config_path("loss.weights.my_term") and not is_config_path("arch.no_such_field")


def _timm_or_skip():
    try:
        import timm
    except Exception as err:  # ImportError, or RuntimeError from a torchvision built for another torch
        pytest.skip(f"the timm extra (timm, and a torchvision built for this torch) is not importable: {err}")
    return timm


def test_timm_without_the_extra_is_one_line_naming_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # import timm raises ImportError
    [line] = _problems(arch={"backbone": "timm/resnet18d"})
    assert line.startswith("study.yaml: arch.backbone: 'timm/resnet18d' needs the timm extra: pip install -e '.[timm]'")


def test_timm_backbone_trains_in_a_tiny_study(tmp_path):
    _timm_or_skip()
    import optuna
    from optuna.trial import TrialState

    from mahm_search.search.runner import run_study
    from support.search import TINY_BASE, write_study

    base = {**TINY_BASE, "arch": {**TINY_BASE["arch"], "backbone": "timm/resnet18d", "width_mult": 1.0}}
    del base["arch"]["width_mult"]
    path = write_study(tmp_path, name="timm", n_trials=1, base=base)
    run_study(path)
    [trial] = optuna.load_study(study_name="timm", storage=f"sqlite:///{tmp_path}/timm.db").get_trials()
    assert trial.state == TrialState.COMPLETE and trial.user_attrs["steps_done"] == 4
    estimate, peak = trial.user_attrs["memory_estimate_tensor_bytes"], trial.user_attrs["memory_peak_bytes"]
    assert abs(peak / estimate - 1) < 0.03, (estimate, peak)


def test_a_plugin_loss_term_adds_up_over_micro_batches():
    from mahm_search.data.dummy import dummy_batch
    from mahm_search.train.loss.losses import MAHMLoss
    from mahm_search.train.loss.targets import ground_truth

    name = f"{PARTS}:mean_abs_z"
    config = _config(loss={"weights": {name: 1.0}})
    model, loss = build_model(config.arch).eval(), MAHMLoss(config.loss)
    batch = dummy_batch(4, 64)
    with torch.no_grad():
        whole = loss.terms(model(batch["image"]), batch, ground_truth(model.mano, batch))[name]
        den = loss.denominators(batch)
        parts = []
        for half in ({k: v[:1] for k, v in batch.items()}, {k: v[1:] for k, v in batch.items()}):
            parts.append(loss.terms(model(half["image"]), half, ground_truth(model.mano, half), den)[name])
    assert whole > 0 and torch.allclose(sum(parts), whole, rtol=1e-5)


def test_timm_backbone_loads_a_local_classifier_file(tmp_path):
    timm = _timm_or_skip()
    classifier = timm.create_model("resnet18d", pretrained=False)
    torch.save(classifier.state_dict(), tmp_path / "resnet18d.pth")  # with its fc: ignored
    arch = ArchSpec(**{**TINY, "width_mult": 1.0}, backbone="timm/resnet18d", backbone_weights=tmp_path / "resnet18d.pth")
    body = build_model(arch).backbone.body
    assert torch.equal(body.net.conv1[0].weight, classifier.conv1[0].weight)
    torch.save({"conv1.0.weight": torch.zeros(1)}, tmp_path / "wrong.pth")
    with pytest.raises(ConfigError) as err:
        build_model(arch.model_copy(update={"backbone_weights": tmp_path / "wrong.pth"}))
    assert "arch.backbone_weights: expected a state_dict of backbone 'timm/resnet18d'" in err.value.problems[0]
