"""`mahm-search best`: the configuration results ranks K-th (the one status and report.md name), as the
config its first seed trained (rescue and seed included), under a header; bad requests are one line."""

from __future__ import annotations

import optuna
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.config import load_trial_config, trial_config
from mahm_search.export import best_config_text
from mahm_search.results import StudyResults
from mahm_search.search.best import describe_best
from mahm_search.console.status import study_status
from support.search import write_study
from support.study_factory import make_study


def test_best_is_status_best_configuration_with_its_trials_config(tmp_path):
    path = make_study(tmp_path, "self_attention", repeats=2)
    status = study_status(path)["best_configuration"]
    text, config = best_config_text(path)
    study = optuna.load_study(study_name="demo-self_attention", storage=f"sqlite:///{tmp_path}/demo-self_attention.db")
    best = StudyResults.of(study, maximize=False).best()
    assert [t.number for t in best.done] == status["trials"]
    first = best.done[0]
    assert config == trial_config(first.user_attrs["config"])
    assert config.arch.self_attention and config.train.checkpointing == ["stages"]  # trained as rescued
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert "ranked 1 of 4" in header[0] and header[1] == f"# score: {describe_best(status)}"
    seeds = ", ".join(f"{t.number} (seed {t.user_attrs['seed']})" for t in best.done)
    assert f"trials: {seeds}; this is trial {first.number}'s config" in header[2]
    assert "memory rescue applied by the study: checkpointing=stages" in text

    out = tmp_path / "w" / "best.yaml"
    res = CliRunner().invoke(app, ["best", str(path), "--rank", "2", "--out", str(out)])
    assert res.exit_code == 0, res.output
    second = StudyResults.of(study, maximize=False).ranked()[1]
    assert load_trial_config(out) == trial_config(second.done[0].user_attrs["config"])
    default = CliRunner().invoke(app, ["best", str(path)])
    assert default.exit_code == 0 and (tmp_path / "demo-self_attention_best.yaml").is_file()


def test_bad_requests_are_one_line(tmp_path):
    path = write_study(tmp_path)
    res = CliRunner().invoke(app, ["best", str(path)])  # never run: no storage yet
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1, res.output
    res = CliRunner().invoke(app, ["best", str(path), "--rank", "0"])
    assert res.exit_code == 2 and "--rank: expected 1 or more" in res.output
    assert not list(tmp_path.glob("*best*.yaml"))
