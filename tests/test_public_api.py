"""The public Python API: what a notebook user imports, and every name each package says it exports."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGES = ["mahm_search", "mahm_search.hands", "mahm_search.hands.generated", "mahm_search.data",
            "mahm_search.data.interhand", "mahm_search.model", "mahm_search.model.heads", "mahm_search.metrics",
            "mahm_search.train", "mahm_search.train.loss", "mahm_search.train.step", "mahm_search.train.blind",
            "mahm_search.memory", "mahm_search.study", "mahm_search.search", "mahm_search.search.optuna",
            "mahm_search.search.packing", "mahm_search.search.stopping", "mahm_search.console",
            "mahm_search.results", "mahm_search.report", "mahm_search.report.records", "mahm_search.report.figures",
            "mahm_search.export", "mahm_search.predict", "mahm_search.runs"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_resolves(name):
    package = importlib.import_module(name)
    assert package.__all__, name
    for public in package.__all__:
        assert getattr(package, public) is not None, (name, public)
    with pytest.raises(AttributeError):
        getattr(package, "no_such_name")


def test_top_level_import_is_light():
    # `mahm-search --help` and `import mahm_search` must not pay for torch or optuna.
    code = "import sys, mahm_search; print('torch' in sys.modules, 'optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_validating_a_study_file_does_not_load_torch():
    # `mahm-search status` and a bad study file's one-line error must not wait seconds for torch.
    code = ("import sys; from mahm_search.study.study_spec import load_study_spec; "
            "from mahm_search.memory import parse_bytes, format_bytes; "
            "load_study_spec('studies/quickstart.yaml'); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    assert out.split() == ["False"]


def test_a_notebook_user_builds_and_sizes_one_config():
    from mahm_search import ArchSpec, TrialConfig, build_model, estimate_memory

    arch = ArchSpec(backbone="resnet18", width_mult=0.25, input_size=64, cascade_widths=[64, 32, 64])
    model = build_model(arch)
    assert sum(p.numel() for p in model.parameters()) > 0
    config = TrialConfig.model_validate({"arch": arch.model_dump(), "train": {"batch_size": 2}})
    small = estimate_memory(config, "cpu")
    bigger = estimate_memory(config.model_copy(update={"train": config.train.model_copy(update={"batch_size": 8})}),
                             "cpu")
    assert 0 < small.bytes < bigger.bytes


def test_train_from_the_top_level_is_the_training_function(tmp_path):
    import mahm_search
    from mahm_search import TrainResult, TrialConfig, train

    assert train is mahm_search.train and train.MAHMLoss is not None  # the package, callable
    config = TrialConfig.model_validate({
        "arch": {"backbone": "resnet18", "width_mult": 0.125, "input_size": 64, "cascade_widths": [16],
                 "ief_iters": 1},
        "train": {"steps": 2, "eval_every": 2, "batch_size": 2, "warmup_steps": 0},
        "data": {"synthetic": {"n_train": 4, "n_val": 2}}})
    result = train(config, run_dir=tmp_path)
    assert isinstance(result, TrainResult) and result.steps_done == 2 and "score" in result.final_metrics
