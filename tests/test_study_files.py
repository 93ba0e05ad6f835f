"""Bad study files exit with status 2 and one message per problem naming file, field, expectation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.study.study_spec import load_study_spec
from support.search import write_study

REPO = Path(__file__).resolve().parents[1]


def _run_cli(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output + (result.stderr if hasattr(result, "stderr") else "")


def _errors(path: Path) -> str:
    code, out = _run_cli("run", str(path))
    assert code == 2, out
    return out


def test_unknown_key_and_wrong_type_are_both_reported(tmp_path):
    path = write_study(tmp_path, n_trials="many", bogus=1)
    out = _errors(path)
    assert f"{path}: n_trials:" in out and "integer" in out
    assert f"{path}: bogus: unknown key" in out


def test_empty_choice_list(tmp_path):
    out = _errors(write_study(tmp_path, space={"arch.cascade_widths": {"choices": []}}))
    assert "space.arch.cascade_widths" in out and "non-empty list" in out


def test_space_key_that_is_not_a_config_field(tmp_path):
    out = _errors(write_study(tmp_path, space={"arch.no_such_field": {"int": [1, 2]}}))
    assert "space.arch.no_such_field: not a TrialConfig field" in out


def test_missing_space_and_base_files(tmp_path):
    out = _errors(write_study(tmp_path, space="search_spaces/nope.yaml", base="nope_base.yaml"))
    assert "space: file 'search_spaces/nope.yaml' does not exist" in out
    assert "base: file 'nope_base.yaml' does not exist" in out


def test_corner_value_that_gives_an_invalid_config(tmp_path):
    out = _errors(write_study(tmp_path, space={"arch.width_mult": {"float": [0.25, 8.0]}}))
    assert "arch.width_mult=8.0 gives an invalid config" in out and "arch.width_mult" in out


def test_bad_memory_size_and_sampler_args(tmp_path):
    out = _errors(write_study(tmp_path, memory="lots", sampler={"type": "tpe", "args": {"nope": 1}}))
    assert "memory:" in out and "10GiB" in out


SHIPPED = ["quickstart", "figure1_cascade_depth", "figure2_self_attention", "loss_weights"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_studies_load(name):
    spec = load_study_spec(REPO / "studies" / f"{name}.yaml")
    assert spec.search_space.params, "every shipped study searches something"


def test_shipped_spaces_start_with_a_comment():
    spaces = sorted((REPO / "search_spaces").glob("*.yaml"))
    assert len(spaces) >= 4
    for space in spaces:
        first = space.read_text().splitlines()[0]
        assert first.startswith("# "), f"{space} must start with a comment saying what it ablates"
        assert yaml.safe_load(space.read_text())


def test_typos_get_a_did_you_mean(tmp_path):
    from mahm_search.errors import ConfigError

    path = write_study(tmp_path, sampler={"type": "tpee"}, pruner={"type": "medain"})
    with pytest.raises(ConfigError) as err:
        load_study_spec(path)
    text = str(err.value)
    assert "sampler.type" in text and "did you mean 'tpe'?" in text and "did you mean 'median'?" in text
    bad = yaml.safe_load(path.read_text())
    bad["trian"] = bad.pop("train")
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError, match=r"trian: unknown key \(did you mean 'train'\?\)"):
        load_study_spec(path)


def test_a_typo_in_the_ray_section_is_an_error_not_a_silent_default(tmp_path):
    # A misspelt ray.storage_path would put a cluster's experiments on the head node's local disk.
    out = _errors(write_study(tmp_path, backend="ray", ray={"storage_paht": "s3://bucket/x", "cpus_per_trial": 2}))
    assert "ray.storage_paht: unknown key (did you mean 'storage_path'?)" in out


def test_data_preview_with_a_missing_root_is_one_error_line(tmp_path):
    code, out = _run_cli("data", "preview", "--source", "interhand", "--root", str(tmp_path / "nope"),
                         "--out", str(tmp_path / "out"))
    assert code == 2 and out.startswith("error: ") and "Traceback" not in out, out
    assert not (tmp_path / "out").exists()
