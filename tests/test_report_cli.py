"""`mahm-search plot` / `report` from the command line: files on success, exit 2 with one line on bad input."""

from __future__ import annotations

from typer.testing import CliRunner

from mahm_search.cli import app
from support.study_factory import make_study

runner = CliRunner()


def test_plot_and_report_commands(tmp_path):
    study = make_study(tmp_path, "self_attention")
    out = tmp_path / "figs"
    res = runner.invoke(app, ["plot", str(study), "--out", str(out), "--format", "pdf"])
    assert res.exit_code == 0, res.output
    assert (out / "curves.pdf").is_file() and (out / "trials.csv").is_file()
    res = runner.invoke(app, ["report", str(study)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "demo-self_attention-report" / "report.md").is_file()


def test_missing_storage_exits_2(tmp_path):
    study = make_study(tmp_path, "cascade")
    (tmp_path / "demo-cascade.db").unlink()
    res = runner.invoke(app, ["plot", str(study)])
    assert res.exit_code == 2
    assert "does not exist" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "demo-cascade.db").exists()  # plotting never creates a storage


def test_empty_study_exits_2(tmp_path):
    study = make_study(tmp_path, "cascade", name="fresh")
    import optuna

    optuna.delete_study(study_name="fresh", storage=f"sqlite:///{tmp_path / 'fresh.db'}")
    optuna.create_study(study_name="fresh", storage=f"sqlite:///{tmp_path / 'fresh.db'}")
    res = runner.invoke(app, ["report", str(study)])
    assert res.exit_code == 2
    assert "no finished trials" in res.output
