"""`--set KEY=VALUE` on `run` and `train`: applied before validation, checked like the file, a bad key
or value exits 2 naming it, and the study records the overrides it ran with."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
import yaml
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.config import load_trial_config
from mahm_search.errors import ConfigError
from mahm_search.overrides import apply_overrides, parse_override
from mahm_search.search.runner import run_study
from mahm_search.study.study_spec import load_study_spec
from support.search import TINY_BASE, TINY_TRAIN, use_fake_trainer, write_study


def test_values_are_yaml_and_numbers():
    assert parse_override("train.lr=3e-4") == ("train.lr", 3e-4)
    assert parse_override("arch.self_attention=[true, false]") == ("arch.self_attention", [True, False])
    assert parse_override("arch.backbone=resnet34") == ("arch.backbone", "resnet34")
    with pytest.raises(ConfigError, match=r"--set train\.lr: expected KEY=VALUE"):
        parse_override("train.lr")


def test_dotted_space_keys_are_entered_by_the_longest_match():
    data = {"space": {"arch.self_attention": {"choices": [False, True]}}, "train": {"steps": 3}}
    out = apply_overrides(data, ["space.arch.self_attention.choices=[true]", "train.steps=5",
                                 "space.train.lr={float: [0.001, 0.01]}"], Path("s.yaml"))
    assert out["space"]["arch.self_attention"] == {"choices": [True]}
    assert out["space"]["train.lr"] == {"float": [0.001, 0.01]}
    assert out["train"]["steps"] == 5
    assert data["train"]["steps"] == 3  # the input is not changed
    with pytest.raises(ConfigError, match=r"--set train\.steps\.x: train\.steps is 3, not a mapping"):
        apply_overrides(data, ["train.steps.x=1"], Path("s.yaml"))


def test_study_overrides_are_validated_like_the_file(tmp_path):
    path = write_study(tmp_path, space={"arch.self_attention": {"choices": [False, True]}})
    spec = load_study_spec(path, ["train.lr=3e-4", "space.arch.self_attention.choices=[true]"])
    assert spec.base_config["train"]["lr"] == 3e-4
    assert spec.search_space.params["arch.self_attention"].choices == [True]
    assert spec.overrides == ["train.lr=3e-4", "space.arch.self_attention.choices=[true]"]
    with pytest.raises(ConfigError) as err:
        load_study_spec(path, ["train.lr=abc"])
    assert len(err.value.problems) == 1
    assert "train.lr" in err.value.problems[0] and "--set train.lr=abc" in err.value.problems[0]


def test_a_space_file_is_read_before_an_override_reaches_into_it(tmp_path):
    (tmp_path / "space.yaml").write_text(yaml.safe_dump({"arch.cascade_widths": {"choices": [[32], [64]]}}))
    path = write_study(tmp_path, space="space.yaml")
    spec = load_study_spec(path, ["space.arch.cascade_widths.choices=[[16]]"])
    assert spec.search_space.params["arch.cascade_widths"].choices == [[16]]


@pytest.mark.parametrize("override, named", [("train.lrr=1", "train.lrr"), ("train.lr=abc", "train.lr"),
                                             ("n_trials=0", "n_trials"), ("oops", "--set oops")])
def test_cli_run_bad_override_exits_2_naming_the_key(tmp_path, override, named):
    path = write_study(tmp_path)
    result = CliRunner().invoke(app, ["run", str(path), "--set", override])
    assert result.exit_code == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: ") and named in errors[0], errors
    assert not (tmp_path / "tiny.db").exists()  # nothing written before validation passed


def test_cli_train_bad_override_exits_2(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({**TINY_BASE, "train": TINY_TRAIN}))
    result = CliRunner().invoke(app, ["train", str(config), "--out", str(tmp_path / "run"),
                                      "--set", "train.batch_sizee=4"])
    assert result.exit_code == 2
    assert "train.batch_sizee" in result.stderr and "--set train.batch_sizee=4" in result.stderr
    assert load_trial_config(config, ["train.steps=7"]).train.steps == 7


def test_the_study_records_its_overrides_and_a_resume_with_others_says_so(tmp_path, monkeypatch, capsys):
    calls: list = []
    use_fake_trainer(monkeypatch, calls)
    path = write_study(tmp_path, n_trials=1)
    run_study(path, overrides=["train.lr=5e-4"])
    assert [c.train.lr for c in calls] != [] and all(1e-4 <= c.train.lr <= 1e-3 for c in calls)
    study = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path / 'tiny.db'}")
    assert study.user_attrs["overrides"] == ["train.lr=5e-4"]
    capsys.readouterr()
    run_study(path, n_trials=2, overrides=["train.steps=2", "train.eval_every=1"])
    out = capsys.readouterr().out
    assert "ran before with --set train.lr=5e-4 and now with --set train.steps=2 --set train.eval_every=1" in out
    assert calls[-1].train.steps == 2
    study = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path / 'tiny.db'}")
    assert study.user_attrs["overrides_runs"] == [["train.lr=5e-4"], ["train.steps=2", "train.eval_every=1"]]
    from mahm_search.report.markdown import write_report

    write_report(path, quiet=True)
    text = (tmp_path / "tiny-report" / "report.md").read_text()
    assert "overrides (--set)" in text and "train.lr=5e-4" in text and "train.steps=2 train.eval_every=1" in text
