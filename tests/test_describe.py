import yaml

import pytest

from mahm_search.errors import ConfigError
from mahm_search.console.describe import config_from_path, describe_command

ARCH = {"width_mult": 0.125, "input_size": 64, "cascade_widths": [16], "ief_iters": 1}


def test_detects_arch_and_trial_config(tmp_path):
    arch = tmp_path / "arch.yaml"
    arch.write_text(yaml.safe_dump(ARCH))
    trial = tmp_path / "trial.yaml"
    trial.write_text(yaml.safe_dump({"arch": ARCH, "train": {"batch_size": 3}}))
    config, kind = config_from_path(arch)
    assert kind == "arch spec" and config.arch.cascade_widths == [16]
    config, kind = config_from_path(trial)
    assert kind == "trial config" and config.train.batch_size == 3


def test_bad_arch_names_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"cascade_widths": [0]}))
    with pytest.raises(ConfigError, match=r"bad.yaml: arch.cascade_widths"):
        config_from_path(bad)


def test_describe_prints_table(tmp_path, capsys):
    arch = tmp_path / "arch.yaml"
    arch.write_text(yaml.safe_dump(ARCH))
    [d] = describe_command(arch, batch_size=4)
    out = capsys.readouterr().out
    assert d.params > 0 and d.train_flops > d.forward_flops > 0 and d.memory_bytes > 0
    assert d.batch_size == 4 and "parameters" in out and "FLOPs" in out


def test_a_study_is_described_as_the_configurations_it_trains(tmp_path, capsys):
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump({
        "name": "s", "base": {"arch": ARCH},
        "space": {"arch.cascade_widths": {"choices": [[16], [32, 16, 32]]},
                  "arch.width_mult": {"float": [0.0625, 0.125]},
                  "train.lr": {"float": [1e-4, 1e-3], "log": True}}}))
    described = describe_command(study, batch_size=2)
    out = capsys.readouterr().out
    assert [d.label for d in described] == ["cascade_widths=[16], width_mult=0.125",
                                            "cascade_widths=[32, 16, 32], width_mult=0.125"]
    assert described[0].params < described[1].params  # the base's widths [16] are not what is described twice
    assert "arch.width_mult filled in at its top" in out and "train.lr" not in out
