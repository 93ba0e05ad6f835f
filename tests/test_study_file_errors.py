"""Malformed study and config files (the audit of 2026-11-30): each exits with status 2 and one line
per problem naming the file, the field and what was expected; no traceback, and nothing is left
behind (no storage, no run folder, no empty --out folder, no journal file)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.config import TrialConfig, trial_config
from mahm_search.errors import ConfigError
from mahm_search.study.space import parse_space
from mahm_search.study.study_spec import KNOWN_METRICS, load_study_spec
from support.search import TINY_BASE, TINY_TRAIN, write_study

STUDY = "tiny.yaml"  # write_study's file name


def _files(folder: Path) -> set:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _fails(folder: Path, *args: str, lines: int = 1) -> list[str]:
    """Run `mahm-search ARGS` in `folder`; it must exit 2 with `lines` 'error: ' lines, no traceback,
    and leave the folder as it was. Returns the lines."""
    before = _files(folder)
    result = CliRunner().invoke(app, list(args))
    out = result.stdout + result.stderr
    assert result.exit_code == 2, out
    assert isinstance(result.exception, SystemExit), result.exception  # a crash is exit 1 and an exception
    assert "Traceback" not in out
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert all(line.startswith("error: ") for line in errors), errors
    assert len(errors) == lines, errors
    assert _files(folder) == before, "a failing command left files behind"
    return errors


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def no_data_check(monkeypatch):
    """Pre-flight without rendering the synthetic data (tested in test_search_preflight.py)."""
    monkeypatch.setattr("mahm_search.search.preflight._data_problems", lambda spec: [])


def _yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False)


# -- one table: a study with one thing wrong -> what its one line says ------------------------------
SPACE_WHEN = {"arch.self_attention": {"choices": [False, True]}}
CASES = {
    # A2: a size too large for a float crashed with OverflowError
    "memory_overflow": ({"memory": "1e400"}, ["memory: expected a finite size", "'1e400'"]),
    # B1: a fractional step on an int range became 0 (every trial failed) or 1 (silently)
    "int_step_fraction": ({"space": {"train.batch_size": {"int": [2, 8], "step": 0.5}}},
                          ["space.train.batch_size: step: an int range needs a whole-number step, got 0.5"]),
    "int_step_1p5": ({"space": {"train.batch_size": {"int": [2, 8], "step": 1.5}}},
                     ["space.train.batch_size", "whole-number step, got 1.5"]),
    # B3: sampler args of the wrong type failed in the first trial
    "sampler_arg_type": ({"sampler": {"type": "tpe", "args": {"n_startup_trials": "ten"}}},
                         ["sampler.args.n_startup_trials: expected an int, got 'ten'"]),
    "sampler_arg_read_late": ({"sampler": {"type": "tpe", "args": {"n_startup_trials": 1, "n_ei_candidates": 0}}},
                              ["sampler.args: every trial would fail with ValueError"]),
    "sampler_arg_unknown": ({"sampler": {"type": "tpe", "args": {"n_startup": 3}}},
                            ["sampler.args.n_startup: unknown argument of TPESampler",
                             "did you mean 'n_startup_trials'?"]),
    # B4: samplers that cannot sample the space
    "bruteforce_float_range": ({"sampler": {"type": "bruteforce"}},
                               ["space.train.lr: the bruteforce sampler tries every value", "needs a 'step'"]),
    "grid_search_space_partial": (
        {"sampler": {"type": "grid", "args": {"search_space": {"train.batch_size": [2, 4]}}},
         "space": {"train.batch_size": {"choices": [2, 4]}, "train.lr": {"choices": [1.0e-4, 1.0e-3]}}},
        ["sampler.args.search_space: misses 'train.lr'"]),
    # B5: a non-finite bound failed every trial with OverflowError
    "float_hi_inf": ({"space": {"train.lr": {"float": [1.0e-4, math.inf]}}},
                     ["space.train.lr: expected finite bounds"]),
    # B6: pruner args Optuna reads only when a trial reports
    "hyperband_reduction_1": ({"pruner": {"type": "hyperband", "args": {"reduction_factor": 1}}},
                              ["pruner.args.reduction_factor: expected an int >= 2, got 1"]),
    "hyperband_min_resource_0": ({"pruner": {"type": "hyperband", "args": {"min_resource": 0}}},
                                 ["pruner.args.min_resource: expected an int >= 1, got 0"]),
    # B9: an objective no evaluation reports
    "space_objective_bogus": ({"space": {"train.objective": {"choices": ["score", "accuracy"]}}},
                              ["train.objective='accuracy' gives an invalid config", "got 'accuracy'"]),
    "objective_never_reported": ({"objective": {"metric": "mpjpe_single"}},
                                 ["objective.metric: 'mpjpe_single' is never reported",
                                  "synthetic data holds interacting hands only"]),
    # B10: one sample per micro-batch at 32 px fails BatchNorm in the first step
    "batch_1_at_32px": ({"base": {**TINY_BASE, "arch": {**TINY_BASE["arch"], "input_size": 32, "split_dim": 16}},
                         "train": {**TINY_TRAIN, "batch_size": 1}},
                        ["train.batch_size 1 in train.micro_batches 1", "arch.input_size 32"]),
    # C2: a `when` that can never hold: the param would never be sampled
    "when_wrong_type": ({"space": {**SPACE_WHEN, "arch.attention_heads": {"choices": [1, 2],
                                                                          "when": {"arch.self_attention": "yes"}}}},
                        ["space.arch.attention_heads.when.arch.self_attention: 'yes' can never match",
                         "(arch.self_attention takes one of its choices: False, True)"]),
    "when_not_a_choice": ({"space": {"arch.cascade_widths": {"choices": [[16], [32, 16, 32]]},
                                     "arch.attention_heads": {"choices": [1, 2],
                                                              "when": {"arch.cascade_widths": [64]}}}},
                          ["space.arch.attention_heads.when.arch.cascade_widths: [64] can never match",
                           "takes one of its choices: [16], [32, 16, 32]"]),
    "when_off_the_int_grid": ({"space": {"train.batch_size": {"int": [2, 8], "step": 2},
                                         "train.lr": {"float": [1e-4, 1e-3], "when": {"train.batch_size": 3}}}},
                              ["space.train.lr.when.train.batch_size: 3 can never match",
                               "(train.batch_size takes whole numbers from 2 to 8 in steps of 2)"]),
    "when_on_a_fixed_field": ({"space": {"train.lr": {"float": [1e-4, 1e-3], "when": {"arch.self_attention": True}}}},
                              ["space.train.lr.when.arch.self_attention: True can never match",
                               "fixes it at False"]),
    # C3: bools are not numbers (`memory: true` was a 1-byte budget, `n_trials: true` one trial)
    "memory_true": ({"memory": True}, ["memory: expected a size", "got True"]),
    "n_trials_true": ({"n_trials": True}, ["n_trials: expected a number, got True"]),
    "repeats_true": ({"repeats": True}, ["repeats: expected a number >= 1", "(got True)"]),
    "steps_true": ({"train": {**TINY_TRAIN, "steps": True}}, ["train.steps: expected a number, got True"]),
    # C4: milestones are fractions of the steps
    "step_milestones_negative": ({"train": {**TINY_TRAIN, "step_milestones": [-1]}},
                                 ["train.step_milestones[0]: Input should be greater than 0"]),
    "step_milestones_gt1": ({"train": {**TINY_TRAIN, "step_milestones": [5.0]}},
                            ["train.step_milestones[0]: Input should be less than or equal to 1"]),
    # D1: one line for a value of the wrong form (not one per member of the type union)
    "repeats_float": ({"repeats": 2.5}, ["repeats: expected a number >= 1, 'auto', or {auto: true"]),
    "repeats_string": ({"repeats": "three"}, ["repeats: expected a number >= 1", "(got 'three')"]),
    "memory_list": ({"memory": [10, "GiB"]}, ["memory: expected a size such as '10GiB'", "[10, 'GiB']"]),
    "memory_fraction": ({"memory": 1.5}, ["memory: expected"]),
    "space_is_int": ({"space": 5}, ["space: expected a file path (relative to the study file) or an inline mapping"]),
    "space_is_list": ({"space": ["train.lr"]}, ["space: expected a file path", "got list"]),
    "base_is_int": ({"base": 5}, ["base: expected a file path", "got int"]),
    # D3: a model-level problem: no '<root>:' field, no dump of the whole config
    "image_size_conflict": ({"data": {"image_size": 96, "synthetic": {"n_train": 16, "n_val": 8}}},
                            ["data.image_size (96) differs from arch.input_size (64); set one of them"]),
    # D4: inline base problems carry `base.`; the study's own sections do not
    "base_inline_unknown_key": ({"base": {**TINY_BASE, "arch": {**TINY_BASE["arch"], "cascade_width": [8]}}},
                                ["tiny.yaml: base.arch.cascade_width: unknown key (did you mean 'cascade_widths'?)"]),
    "base_inline_unknown_section": ({"base": {**TINY_BASE, "trian": {}}},
                                    ["tiny.yaml: base.trian: unknown key (did you mean 'train'?)"]),
    "study_section_bad_value": ({"train": {**TINY_TRAIN, "lr": -1}},
                                ["tiny.yaml: train.lr: Input should be greater than 0"]),
    # D8: pruner args name the argument; the seed's range is sampler.seed's
    "pruner_arg_bad_value": ({"pruner": {"type": "median", "args": {"n_startup_trials": "x"}}},
                             ["pruner.args.n_startup_trials: expected an int, got 'x'"]),
    "pruner_patient_wrapped_str": ({"pruner": {"type": "patient", "args": {"patience": 1, "wrapped": "median"}}},
                                   ["pruner.args.wrapped: expected a pruner such as {type: median"]),
    "pruner_patient_wrapped_bad": (
        {"pruner": {"type": "patient", "args": {"patience": 1, "wrapped": {"type": "hyperband",
                                                                          "args": {"reduction_factor": 1}}}}},
        ["pruner.args.wrapped.args.reduction_factor: expected an int >= 2, got 1"]),
    "pruner_percentile_range": ({"pruner": {"type": "percentile", "args": {"percentile": 150.0}}},
                                ["pruner.args.percentile: Percentile must be between 0 and 100"]),
    "pruner_required_arg": ({"pruner": {"type": "percentile"}},
                            ["pruner.args.percentile: required by PercentilePruner (expected a number)"]),
    "sampler_seed_negative": ({"sampler": {"type": "random", "seed": -1}},
                              ["tiny.yaml: sampler.seed: Input should be greater than or equal to 0"]),
    "sampler_seed_in_args": ({"sampler": {"type": "random", "args": {"seed": 3}}},
                             ["sampler.args.seed: give the seed as sampler.seed"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_study_is_one_line_naming_file_field_and_expectation(here, name):
    edits, expected = CASES[name]
    path = write_study(here, **edits)
    (line,) = _fails(here, "run", str(path))
    assert line.startswith(f"error: {path}: "), line
    for text in expected:
        assert text in line, line
    assert "<root>" not in line and "{'arch'" not in line


# -- raw files: encodings, YAML syntax, duplicate keys, folders -----------------------------------
def _study_text(**edits) -> str:
    """write_study's text with `edits`, for files written by hand."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return write_study(Path(folder), **edits).read_text()


def test_a_file_that_is_not_utf8_is_one_line(here):
    # A1: a Latin-1 byte (an editor's 'é') crashed every command with UnicodeDecodeError
    (here / STUDY).write_bytes(b"# \xe9tude\n" + _study_text().encode())
    (line,) = _fails(here, "run", STUDY)
    assert line == f"error: {STUDY}: not UTF-8 text (byte 2 is 0xe9); save the file as UTF-8"
    (line,) = _fails(here, "describe", STUDY)
    assert "not UTF-8 text" in line


@pytest.mark.parametrize("which", ["space", "base"])
def test_a_space_or_base_file_that_is_not_utf8_names_that_file(here, which):
    content = {"space": {"train.lr": {"float": [1e-4, 1e-3]}}, "base": TINY_BASE}[which]
    (here / "part.yaml").write_bytes(b"# caf\xe9\n" + _yaml(content).encode())
    (here / STUDY).write_text(_study_text(**{which: "part.yaml"}))
    (line,) = _fails(here, "run", STUDY)
    assert "part.yaml: not UTF-8 text (byte 5 is 0xe9)" in line


def test_a_train_config_that_is_not_utf8_leaves_no_out_folder(here):
    (here / "c.yaml").write_bytes(b"# \xe9\n" + _yaml({"arch": TINY_BASE["arch"]}).encode())
    (line,) = _fails(here, "train", "c.yaml", "--out", "out")
    assert "c.yaml: not UTF-8 text" in line


@pytest.mark.parametrize("text, where", [
    ("name: tiny\ntrain: {steps: 4, eval_every: 2\nn_trials: 2\n", "line 3, column"),  # unclosed flow mapping
    ("name: tiny\ntrain:\n\tsteps: 4\n", "line 3, column 1: found character '\\t'"),
])
def test_a_yaml_syntax_error_is_one_line_with_its_line_number(here, text, where):
    # D2: PyYAML's message spans 5-8 lines and names '<unicode string>'
    (here / STUDY).write_text(text)
    (line,) = _fails(here, "run", STUDY)
    assert line.startswith(f"error: {STUDY}: not valid YAML: ") and where in line, line
    assert "<unicode string>" not in line


def test_a_yaml_error_in_a_space_file_names_that_file(here):
    (here / "sp.yaml").write_text("train.lr: {float: [1e-4, 1e-3]\n")
    (here / STUDY).write_text(_study_text(space="sp.yaml"))
    (line,) = _fails(here, "run", STUDY)
    assert line.startswith("error: ") and "sp.yaml: not valid YAML: line 2" in line


@pytest.mark.parametrize("text, key, first", [
    # C1: PyYAML silently keeps the last of two equal keys
    ("name: tiny\ntrain: {steps: 4}\nn_trials: 2\ntrain: {steps: 1000000}\n", "'train'", 2),
    ("name: tiny\nspace:\n  train.lr: {float: [1.0e-4, 1.0e-3]}\n  train.lr: {float: [0.01, 0.1]}\n",
     "'train.lr'", 3),
])
def test_a_key_given_twice_is_an_error_naming_both_lines(here, text, key, first):
    (here / STUDY).write_text(text)
    (line,) = _fails(here, "describe", STUDY)
    assert f"duplicate key {key} (first given on line {first})" in line and STUDY in line


def test_yaml_merge_keys_are_not_duplicates(here):
    text = _study_text().replace("train:\n", "train:\n  <<: {weight_decay: 0.5}\n", 1)
    assert "<<:" in text
    (here / STUDY).write_text(text)
    assert load_study_spec(here / STUDY).base_config["train"]["weight_decay"] == 0.5


def test_a_folder_given_as_a_file_says_so(here):
    # D5: a folder was reported as 'file does not exist'
    (here / "adir").mkdir()
    (line,) = _fails(here, "run", "adir")
    assert line == "error: adir: is a folder; expected a YAML file"
    (line,) = _fails(here, "describe", "adir")
    assert "adir: is a folder" in line
    (line,) = _fails(here, "train", "adir", "--out", "out")
    assert "adir: is a folder" in line
    for field in ("base", "space"):
        (here / STUDY).write_text(_study_text(**{field: "adir"}))
        (line,) = _fails(here, "run", STUDY)
        assert f"{STUDY}: {field}: 'adir' is a folder (expected a" in line


def test_a_problem_in_a_base_file_names_the_base_file(here):
    # D4: it was reported against the study file, which holds no such key
    base = {**TINY_BASE, "arch": {**TINY_BASE["arch"], "backbone": "resnet19"}}
    (here / "b.yaml").write_text(_yaml(base))
    (here / STUDY).write_text(_study_text(base="b.yaml"))
    (line,) = _fails(here, "run", STUDY)
    assert line.startswith("error: b.yaml: arch.backbone: unknown backbone 'resnet19' (did you mean 'resnet18'?); "
                           "registered: resnet18, resnet34, resnet50"), line


def test_a_base_objective_is_overridden_by_the_study_not_an_error(here):
    # the study's objective.metric is what trains (train.objective in a base file is replaced)
    base = {**TINY_BASE, "train": {"objective": "accuracy"}}
    (here / "b.yaml").write_text(_yaml(base))
    (here / STUDY).write_text(_study_text(base="b.yaml"))
    assert load_study_spec(here / STUDY).base_config["train"]["objective"] == "score"


# -- storage, status, train --------------------------------------------------------------------
def test_storage_pointing_at_a_folder_says_so(here, no_data_check):
    # D6: it was called a corrupt database, with the advice to move the (study) folder away
    (here / "adir").mkdir()
    for storage in ("sqlite:///adir", "sqlite:///", "journal:adir"):
        path = write_study(here, storage=storage)
        for command in ("run", "status", "plot"):
            (line,) = _fails(here, command, str(path))
            assert "storage: " in line and "is a folder; point `storage:` at a file" in line, line


@pytest.mark.parametrize("command", ["status", "plot", "report"])
def test_reading_a_study_whose_journal_does_not_exist_creates_nothing(here, command):
    # E1: status/plot/report created an empty journal file, then said it held no study
    path = write_study(here, storage="journal:j.log")
    (line,) = _fails(here, command, str(path))
    assert "no study yet" in line and "j.log does not exist" in line
    assert not (here / "j.log").exists()


def test_train_out_that_is_a_file_is_one_line(here):
    # A3: FileExistsError traceback
    (here / "c.yaml").write_text(_yaml({"arch": TINY_BASE["arch"], "train": TINY_TRAIN}))
    (here / "outfile").write_text("x")
    (line,) = _fails(here, "train", "c.yaml", "--out", "outfile")
    assert line == "error: --out: outfile is a file; expected a folder for checkpoint.pt and history.csv"


def test_train_with_an_unknown_objective_names_file_and_field_before_any_work(here):
    # B9: it failed at the first evaluation (17 s in), without naming the file, and left `out/`
    (here / "c.yaml").write_text(_yaml({"arch": TINY_BASE["arch"], "train": {**TINY_TRAIN, "objective": "accuracy"}}))
    (line,) = _fails(here, "train", "c.yaml", "--out", "out")
    assert line.startswith("error: c.yaml: train.objective: expected a metric the evaluation reports")
    assert "got 'accuracy'" in line


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a host without CUDA")
def test_train_on_cuda_without_cuda_names_the_file_and_makes_no_folder(here):
    (here / "c.yaml").write_text(_yaml({"arch": TINY_BASE["arch"], "train": {**TINY_TRAIN, "device": "cuda"}}))
    (line,) = _fails(here, "train", "c.yaml", "--out", "out")
    assert line.startswith("error: c.yaml: train.device: 'cuda' was asked for but no CUDA device")


def test_train_that_fails_after_making_out_removes_the_empty_folder(here, monkeypatch):
    # E2: a config that fails inside train() (missing weights, MANO, data) left an empty --out
    def failing(config, reporter, run_dir):
        assert Path(run_dir).is_dir()
        raise ConfigError(["arch.backbone_weights: stand-in for a failure inside train()"])

    monkeypatch.setattr("mahm_search.train.command.train", failing)
    (here / "c.yaml").write_text(_yaml({"arch": TINY_BASE["arch"], "train": TINY_TRAIN}))
    (line,) = _fails(here, "train", "c.yaml", "--out", "out")
    assert line == "error: c.yaml: arch.backbone_weights: stand-in for a failure inside train()"
    (here / "mine").mkdir()  # a folder the user made is kept, even when empty
    _fails(here, "train", "c.yaml", "--out", "mine")
    assert (here / "mine").is_dir()


def test_train_with_missing_backbone_weights_names_the_config_and_leaves_no_folder(here):
    # E2 for real: the weights load after --out was made (model first, then data)
    arch = {**TINY_BASE["arch"], "width_mult": 1, "backbone_weights": str(here / "missing.pt")}
    (here / "c.yaml").write_text(_yaml({"arch": arch, "train": TINY_TRAIN}))
    (line,) = _fails(here, "train", "c.yaml", "--out", "out")
    assert line == f"error: c.yaml: {here / 'missing.pt'}: arch.backbone_weights: file does not exist"


# -- describe ----------------------------------------------------------------------------------
def test_describe_reads_a_study_without_space_or_base_as_a_study(here):
    # D7: a valid study (both keys optional) was read as a TrialConfig: 'name: unknown key', ...
    from mahm_search.console.describe import configs_from_path

    (here / STUDY).write_text(_yaml({"name": "tiny", "n_trials": 2, "train": TINY_TRAIN}))
    configs, source, _ = configs_from_path(here / STUDY)
    assert source == "study configuration" and len(configs) == 1
    (here / STUDY).write_text(_yaml({"name": "tiny", "train": {**TINY_TRAIN, "steps": 0}}))
    (line,) = _fails(here, "describe", STUDY)  # only the real problem, no 'name: unknown key'
    assert f"{STUDY}: train.steps: Input should be greater than or equal to 1" in line


# -- pre-flight: what every trial needs, before any storage exists ---------------------------------
def _weights(path: Path, width_mult: float) -> Path:
    from mahm_search.model.backbone import ResNetBackbone

    torch.save(ResNetBackbone("resnet18", width_mult).state_dict(), path)
    return path


def test_missing_backbone_weights_fail_before_any_trial(here, no_data_check):
    # B7: every trial failed with DataError, and the storage kept the failures
    base = {**TINY_BASE, "arch": {**TINY_BASE["arch"], "width_mult": 1, "backbone_weights": "/nonexistent/r18.pt"}}
    path = write_study(here, base=base)
    (line,) = _fails(here, "run", str(path))
    assert line == f"error: {path.resolve()}: arch.backbone_weights: /nonexistent/r18.pt: file does not exist"


def test_backbone_weights_are_checked_for_every_choice_of_the_space(here, no_data_check):
    good = _weights(here / "w1.pt", 1)
    path = write_study(here, base={**TINY_BASE, "arch": {**TINY_BASE["arch"], "width_mult": 1}},
                       space={"arch.backbone_weights": {"choices": [str(good), "missing.pt"]}})
    (line,) = _fails(here, "run", str(path))
    assert line.endswith("space.arch.backbone_weights: missing.pt: file does not exist"), line
    # the good resnet18 file does not fit the resnet34 the space also trains
    path = write_study(here, base={**TINY_BASE, "arch": {**TINY_BASE["arch"], "width_mult": 1,
                                                         "backbone_weights": str(good)}},
                       space={"arch.backbone": {"choices": ["resnet18", "resnet34"]}})
    (line,) = _fails(here, "run", str(path))
    assert (f"space: arch.backbone='resnet34': arch.backbone_weights: {good}: expected a torchvision resnet34"
            in line), line


def test_good_backbone_weights_pass_preflight(here, no_data_check):
    from mahm_search.search.preflight import preflight

    good = _weights(here / "w1.pt", 1)
    preflight(load_study_spec(write_study(here, base={**TINY_BASE, "arch": {**TINY_BASE["arch"], "width_mult": 1,
                                                                           "backbone_weights": str(good)}})))


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a host without CUDA")
@pytest.mark.parametrize("where", ["base", "space"])
def test_cuda_without_cuda_fails_before_any_trial(here, no_data_check, where):
    # B8: every trial failed with 'train.device: cuda was asked for'
    edits = ({"train": {**TINY_TRAIN, "device": "cuda"}} if where == "base"
             else {"space": {"train.device": {"choices": ["cpu", "cuda"]}}})
    path = write_study(here, **edits)
    (line,) = _fails(here, "run", str(path))
    field = "train.device" if where == "base" else "space.train.device"
    assert line == (f"error: {path.resolve()}: {field}: 'cuda' was asked for but no CUDA device is "
                    f"available; use 'auto' or 'cpu'")


def test_a_ray_cluster_at_an_address_is_not_judged_by_this_hosts_devices(monkeypatch):
    from mahm_search.search import preflight as module

    seen = {}
    monkeypatch.setattr(module, "_device_problems", lambda spec: seen.setdefault("device", []))
    for name in ("_folder_problems", "_mano_problems", "_data_problems", "_weights_problems", "_plugin_problems",
                 "_storage_problems"):
        monkeypatch.setattr(module, name, lambda spec: [])
    module.preflight(object(), remote_trials=True)
    assert "device" not in seen
    module.preflight(object())
    assert "device" in seen


# -- the fixes that make a file do what it says ---------------------------------------------------
def test_grid_float_step_that_does_not_divide_the_range_stays_inside_it():
    # B2: [0.0, 0.9] step 0.6 gave the grid [0, 0.6, 1.2], and 1.2 failed the trial
    space = parse_space({"data.crop.scale_aug": {"float": [0.0, 0.9], "step": 0.6},
                         "train.lr": {"float": [0.1, 0.4], "step": 0.1}}, "<t>")
    grid = space.grid()
    assert grid["data.crop.scale_aug"] == [0.0, 0.6]
    assert len(grid["train.lr"]) == 4 and max(grid["train.lr"]) <= 0.4 + 1e-12  # an exact division keeps hi
    # other samplers get the same last value, without Optuna's 'range is not divisible' warning
    import warnings

    import optuna

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seen = {space.suggest(study.ask(), lambda p: None)["data.crop.scale_aug"] for _ in range(20)}
    assert seen == {0.0, 0.6}


def test_conditions_that_can_hold_are_accepted(here):
    path = write_study(here, space={
        "arch.self_attention": {"choices": [False, True]},
        "arch.attention_heads": {"int": [1, 2], "when": {"arch.self_attention": True}},
        "train.batch_size": {"int": [2, 8], "step": 2},
        "train.lr": {"float": [1e-4, 1e-3], "when": {"train.batch_size": 4, "arch.cross_attention": True}}})
    assert list(load_study_spec(path).search_space.params) == [
        "arch.self_attention", "arch.attention_heads", "train.batch_size", "train.lr"]


def test_the_study_objective_and_train_objective_share_one_metric_list():
    # B9: ObjectiveSpec had its own, narrower list; TrainSpec.objective was any string
    from mahm_search.metrics.metric_names import OBJECTIVE_METRICS
    from mahm_search.metrics.metrics import compute_metrics

    assert KNOWN_METRICS is OBJECTIVE_METRICS
    with pytest.raises(ConfigError, match=r"c.yaml: train.objective: .*got 'accuracy'"):
        trial_config({"train": {"objective": "accuracy"}}, "c.yaml")
    assert trial_config({"train": {"objective": "pa_mpjpe_left"}}).train.objective == "pa_mpjpe_left"
    # every name the evaluation reports (both groups of samples present) is one an objective may name
    from mahm_search.data.dummy import dummy_batch

    batch = dummy_batch(4, 64)
    batch["hand_type"] = torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    vertices = torch.randn(4, 2, 778, 3)
    regressor = torch.softmax(torch.randn(16, 778), dim=-1)
    pred = {"joints_3d": batch["joints_3d"] + 1.0, "root_rel": batch["root_rel"] + 1.0, "vertices": vertices + 1.0}
    reported = set(compute_metrics(pred, batch, vertices, j_regressor=regressor))
    assert reported == set(OBJECTIVE_METRICS)


@pytest.mark.parametrize("batch_size, micro_batches, input_size, ok", [
    (1, 1, 32, False), (2, 8, 32, False), (4, 3, 32, False),  # 4 in 3 micro-batches: one holds 1 sample
    (2, 1, 32, True), (4, 2, 32, True), (1, 1, 33, True), (1, 1, 64, True),  # from 33 px the map is 2x2
])
def test_a_micro_batch_of_one_sample_at_32_px_is_refused(batch_size, micro_batches, input_size, ok):
    # B10: BatchNorm's 'Expected more than 1 value per channel when training' failed every trial
    data = {"arch": {"input_size": input_size}, "train": {"batch_size": batch_size, "micro_batches": micro_batches}}
    if ok:
        trial_config(data, "c.yaml")
        return
    with pytest.raises(ConfigError) as err:
        trial_config(data, "c.yaml")
    (line,) = err.value.problems
    assert line.startswith(f"c.yaml: train.batch_size {batch_size} in train.micro_batches {micro_batches}")
    assert f"arch.input_size {input_size}" in line


def test_the_memory_rescue_never_makes_a_micro_batch_too_small_to_train():
    # B10: with a tight `memory:` the ladder offered micro_batches == batch_size at 32 px, and the
    # trial FAILed in BatchNorm instead of being pruned for memory
    from mahm_search.memory import plan_memory, rescue_ladder

    small = TrialConfig(arch={"width_mult": 0.125, "input_size": 32, "split_dim": 16, "cascade_widths": [16],
                              "ief_iters": 1}, train={"batch_size": 4, "device": "cpu"})
    names = [name for name, _ in rescue_ladder(small)]
    assert names == ["checkpointing=stages", "checkpointing=stages+backbone",
                     "checkpointing=stages+backbone, micro_batches=2"]  # not micro_batches=4: 1 sample each
    plan = plan_memory(small.model_copy(update={"train": small.train.model_copy(update={"batch_size": 2})}),
                       1024, "cpu")
    assert not plan.fits and plan.config.train.micro_batches == 1  # pruned for memory, not failed
