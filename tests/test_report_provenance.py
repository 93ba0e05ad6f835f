"""report.md says what ran: the code version of every trial and when they ran, the settings as the
trials recorded them (not the study file as edited since), the memory gate's figures, the validation
set's selection, and tables that keep their numbers as formatted, in one order of configurations."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import optuna
import pandas as pd
import yaml

import mahm_search.provenance as provenance
from mahm_search.report.factors import curve_label
from mahm_search.report.markdown import markdown_table, write_report
from mahm_search.report.protocol import val_set_text
from mahm_search.report.records.records import StudyTrial
from mahm_search.report.records.source import load_study, storage_text
from mahm_search.report.tables import memory_frame
from mahm_search.study.record import TrialRecord
from support.study_factory import WIDTHS, make_study

ROOT = Path(__file__).resolve().parents[1]


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table_rows(section: str) -> list[list[str]]:
    rows = [ln for ln in section.splitlines() if ln.startswith("|")][2:]
    return [[cell.strip() for cell in ln.strip("|").split("|")] for ln in rows]


def _set_attr(db: Path, number: int, key: str, value) -> None:
    """Rewrite a finished trial's user attr in its SQLite storage (Optuna refuses to update it)."""
    with sqlite3.connect(db) as con:
        (trial_id,), = con.execute("SELECT trial_id FROM trials WHERE number = ?", (number,)).fetchall()
        con.execute("UPDATE trial_user_attributes SET value_json = ? WHERE trial_id = ? AND key = ?",
                    (json.dumps(value), trial_id, key))


def _trials(db: Path, name: str) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=name, storage=f"sqlite:///{db}").trials


# -- provenance (H1) --------------------------------------------------------------------------------

def test_every_trial_records_the_code_that_ran_it_and_the_report_prints_it_with_dates(tmp_path):
    study = make_study(tmp_path, "cascade", repeats=2)
    trials = _trials(tmp_path / "demo-cascade.db", "demo-cascade")
    assert {TrialRecord.of(t).code_version for t in trials} == {provenance.code_version()}
    path = write_report(study, quiet=True)
    text = path.read_text()
    head = text.split("## Settings")[0]
    assert f"the trials ran `{provenance.code_version()}` (all {len(trials)} trials)" in head
    assert provenance.package_version() in head and "Warning" not in head
    first = min(t.datetime_start for t in trials)
    assert f"run {first:%Y-%m-%d %H:%M} to " in head
    csv = pd.read_csv(path.parent / "trials.csv")
    assert set(csv["code_version"]) == {provenance.code_version()}
    assert csv["datetime_start"].notna().all() and csv["datetime_complete"].notna().all()


def test_trials_from_two_code_versions_are_flagged_at_the_top(tmp_path):
    study = make_study(tmp_path, "cascade", repeats=2)
    _set_attr(tmp_path / "demo-cascade.db", 0, "code_version", "0.0.9 git 0123456789ab source feedfacecafe")
    text = write_report(study, quiet=True).read_text()
    head = text.split("## Settings")[0]
    assert "**Warning: these trials ran on 2 different code versions:**" in head
    assert "`0.0.9 git 0123456789ab source feedfacecafe` (1 trial)" in head
    assert f"`{provenance.code_version()}` (5 trials)" in head


def test_code_version_without_git_is_the_version_and_source_hash(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    assert provenance.git_state(package) is None  # not a checkout: no git is run at all
    first = provenance.source_hash(package)
    (package / "a.py").write_text("x = 2\n")
    assert provenance.source_hash(package) != first  # an edit changes the hash
    assert provenance.describe_code("0.1.0", None, "abc") == "0.1.0 source abc"
    assert provenance.describe_code("0.1.0", ("f" * 40, True), "abc") == f"0.1.0 git {'f' * 12}+modified source abc"
    # a checkout, but no git program: still no git part, and no error
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.setattr(provenance.shutil, "which", lambda name: None)
    assert provenance.git_state(package) is None


def test_code_version_of_a_git_checkout_names_its_commit_and_local_changes(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "x"], check=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert provenance.git_state(package) == (head, False)
    (package / "a.py").write_text("x = 2\n")
    assert provenance.git_state(package) == (head, True)


# -- settings as run (H4) --------------------------------------------------------------------------

def test_a_study_file_edited_after_the_run_does_not_relabel_what_ran(tmp_path):
    study = make_study(tmp_path, "cascade", repeats=2)
    spec = yaml.safe_load(study.read_text())
    spec["train"]["steps"] = 500
    spec["data"]["synthetic"]["n_val"] = 7
    spec["memory"] = "1GiB"
    spec["objective"]["metric"] = "pa_mpjpe"
    study.write_text(yaml.safe_dump(spec, sort_keys=False))
    assert load_study(study).metric == "score"  # the stored scores' metric, not the file's
    text = write_report(study, quiet=True).read_text()
    head = text.split("## Settings")[0]
    assert "**Warning: study file changed since these trials ran.**" in head
    for line in ("`train.steps`: now 500; the trials ran 2000 (all 6 trials)",
                 "`data.synthetic.n_val`: now 7; the trials ran 32 (all 6 trials)",
                 "`memory`: now 1GiB (1.0 GiB); the trials ran 10.0 GiB (all 6 trials)",
                 "`objective.metric`: now pa_mpjpe; the stored scores are score"):
        assert line in head, line
    assert "Every number below: score = mean(MPJPE, MPVPE)" in head and "PA-MPJPE" not in head
    assert "32 samples" in head
    settings = _section(text, "Settings")
    as_run = yaml.safe_load(settings.split("```yaml\n")[1].split("```")[0])
    assert as_run["objective"]["metric"] == "score" and as_run["memory"] == "10.0 GiB"
    assert as_run["config"]["train"]["steps"] == 2000 and as_run["config"]["data"]["synthetic"]["n_val"] == 32
    assert as_run["varies per trial"]["train.seed"] == [0, 1]
    assert "pa_mpjpe" not in settings.split("```yaml\n")[1]


def test_an_unchanged_study_file_gives_no_warning_and_a_changed_default_is_told_apart(tmp_path):
    study = make_study(tmp_path, "two_cascades")
    db = tmp_path / "demo-two_cascades.db"
    text = write_report(study, quiet=True).read_text()
    assert "Warning" not in text and "defaults differ" not in text
    # a trial that ran when a default (not set in the file) was different: the code changed, not the file
    for t in _trials(db, "demo-two_cascades"):
        config = TrialRecord.of(t).config
        config["train"]["grad_clip"] = 5.0
        _set_attr(db, t.number, "config", config)
    text = write_report(study, quiet=True).read_text()
    assert "study file changed" not in text
    settings = _section(text, "Settings")
    assert "The current code's defaults differ from what these trials ran" in settings
    assert "`train.grad_clip`: now 1.0; the trials ran 5.0 (all 2 trials)" in settings


# -- memory (M7), order (L9), formatting (L1), storage path (L7), CI scope (M8) ------------------

def test_report_tables_memory_order_and_formatting(tmp_path):
    study = make_study(tmp_path, "self_attention", repeats=2)
    text = write_report(study, quiet=True).read_text()
    # no local path but the study file as it was named: the storage is named relative to it
    assert str(tmp_path) not in text.replace(f"Study file `{study}`", "")
    assert "storage `sqlite:///demo-self_attention.db (relative to the study file's folder)`" in text

    best = _section(text, "Best configurations")
    assert "holds for this fixed validation set only" in best and "\u00b11.96\u00b7val SE" in best
    header = next(ln for ln in best.splitlines() if ln.startswith("| configuration"))
    assert [c.strip() for c in header.strip("|").split("|")][:3] == ["configuration", "rank", "n"]
    rows = _table_rows(best)
    labels = [r[0] for r in rows]
    # one order: level order of the factors (widths by depth, then self-attention off before on)
    factors = ["arch.cascade_widths", "arch.self_attention"]
    expected = [curve_label({"arch.cascade_widths": w, "arch.self_attention": a}, factors)
                for w in list(WIDTHS)[1:] for a in (False, True)]
    assert labels == expected, labels
    ranks = {r[0]: int(r[1]) for r in rows}
    assert sorted(ranks.values()) == [1, 2, 3, 4]
    means = {r[0]: float(r[3]) for r in rows}
    assert min(means, key=means.get) == next(k for k, v in ranks.items() if v == 1)
    # numbers as formatted: two decimals everywhere (tabulate would print 0.50 as 0.5)
    assert all(len(r[3].split(".")[1]) == 2 for r in rows)
    rule = next(ln for ln in best.splitlines() if ln.startswith("|:"))
    assert rule.split("|")[1].startswith(":-") and rule.split("|")[3].endswith("-:")  # text left, numbers right

    convergence = _table_rows(_section(text, "Convergence and cost"))
    assert [r[0].replace(" (reference)", "") for r in convergence] == labels

    memory = _section(text, "Memory")
    rows = {r[0]: r for r in _table_rows(memory)}
    columns = [c.strip() for c in next(ln for ln in memory.splitlines() if ln.startswith("| configuration"))
               .strip("|").split("|")]
    assert list(rows) == labels  # the same order
    rescued = dict(zip(columns, rows[expected[1]]))
    assert rescued["rescue"] == "checkpointing=stages"
    assert rescued["budget (MiB)"] == "10240.00" and rescued["estimate as trained (MiB)"] == "8583.07"
    assert rescued["measured tensor peak (MiB)"] == "5245.21" and rescued["trials"] == "2 completed"
    assert float(rescued["estimate, no rescue (MiB)"]) > 10240  # over the budget: why it was rescued
    plain = dict(zip(columns, rows[expected[0]]))
    assert plain["rescue"] == "none" and plain["estimate, no rescue (MiB)"] == "5722.05"
    oom = dict(zip(columns, rows[expected[3]]))
    assert oom["trials"] == "1 pruned (oom), 1 completed"


def _trial(number, params, **record):
    return StudyTrial(number=number, state="COMPLETE", params=params, steps=[1], values=[50.0], final=50.0,
                      best=50.0, end=None, config_key=json.dumps(params), record=TrialRecord(**record))


def test_memory_table_before_and_after_a_rescue_and_the_estimate_error():
    mib = 2 ** 20
    trials = [_trial(0, {"a": True}, memory_budget_bytes=72 * mib, memory_original_estimate_bytes=75 * mib,
                     memory_estimate_bytes=60 * mib, memory_estimate_tensor_bytes=60 * mib,
                     memory_peak_bytes=60 * mib + 24, rescue="checkpointing=stages", memory_method="meta-run"),
              _trial(1, {"a": False}, memory_budget_bytes=72 * mib, memory_estimate_bytes=70 * mib,
                     memory_estimate_tensor_bytes=70 * mib, memory_peak_bytes=69 * mib, rescue="none",
                     memory_method="meta-run")]
    # a configuration the gate pruned (no rescue fits): its estimate and the decision show too
    pruned = _trial(2, {"a": "big"}, memory_budget_bytes=72 * mib, memory_estimate_bytes=90 * mib,
                    memory_estimate_tensor_bytes=90 * mib, rescue="none", memory_method="meta-run",
                    prune_reason="memory", steps_done=0)
    pruned.state, pruned.end, pruned.final = "PRUNED", "memory", None
    frame = memory_frame([pruned, *trials], ["a"])
    off, on, big = frame.iloc[0], frame.iloc[1], frame.iloc[2]  # level order, whatever the trial numbers
    assert big["rescue"] == "none fits" and big["estimate, no rescue (MiB)"] == "90.00"
    assert big["trials"] == "1 pruned: no rescue fits the budget" and big["measured tensor peak (MiB)"] == "\u2013"
    assert on["rescue"] == "checkpointing=stages" and off["rescue"] == "none"
    assert on["estimate, no rescue (MiB)"] == "75.00" and on["estimate as trained (MiB)"] == "60.00"
    assert on["tensor estimate - peak"] == "-24 B (-0.000038%)"  # not rounded away to 0
    assert off["estimate, no rescue (MiB)"] == "70.00" and off["tensor estimate - peak"] == "+1.00 MiB (+1.4%)"


def test_markdown_tables_keep_numbers_as_formatted():
    frame = pd.DataFrame({"configuration": ["a", "b"], "std (mm)": ["0.50", "1.40"], "time (s)": ["39.0", "7.25"],
                          "trials": ["#1, #2", "#3"]})
    table = markdown_table(frame)
    assert "0.50" in table and "1.40" in table and "39.0" in table and "7.25" in table
    rule = [cell.strip() for cell in table.splitlines()[1].strip("|").split("|")]
    assert [cell[0] + cell[-1] for cell in rule] == [":-", "-:", "-:", ":-"]  # text left, numbers right


def test_storage_is_named_relative_to_the_study_file_and_without_a_password(tmp_path):
    study = tmp_path / "s.yaml"
    assert storage_text(f"sqlite:///{tmp_path / 'sub' / 'x.db'}", study) == \
        "sqlite:///sub/x.db (relative to the study file's folder)"
    assert storage_text("sqlite:////elsewhere/x.db", study) == "sqlite:////elsewhere/x.db"
    assert storage_text("postgresql://me:secret@host:5432/db", study) == "postgresql://me:***@host:5432/db"


# -- the validation set (F6) and the study files' noise claim (M8) -----------------------------

def test_interhand_validation_label_names_the_selection():
    text = val_set_text({"data": {"source": "interhand", "interhand": {
        "hand_type": "interacting", "fraction": 0.1, "stride": 5, "captures": [0], "max_val": 500}}})
    assert text.startswith("InterHand2.6M val split: ")
    for part in ("interacting-hand frames with MANO fits", "capture 0", "every 5th frame", "10% of frames",
                 "500 of those samples, evenly spaced", "not the full split"):
        assert part in text, part
    single = val_set_text({"data": {"source": "interhand", "interhand": {"hand_type": "single"}}})
    assert "single-hand frames with MANO fits" in single and "capture" not in single


def test_figure_study_files_state_the_measured_validation_noise():
    for name in ("figure1_cascade_depth", "figure2_self_attention"):
        text = (ROOT / "studies" / f"{name}.yaml").read_text()
        assert "~0.6 mm" not in text, name  # the reports measure val SE 0.95-1.01 mm on 128 samples
        assert "(val SE) ~1.0 mm" in text, name


def test_report_warns_when_real_data_trained_on_the_generated_mano():
    from mahm_search.report.markdown import generated_mano_warning
    from mahm_search.report.records.records import StudyTrial
    from mahm_search.study.record import TrialRecord

    def trial(number, source, generated):
        config = {"data": {"source": source}, "mano": {"generated": generated}}
        return StudyTrial(number=number, state="COMPLETE", params={}, steps=[], values=[], final=None, best=None,
                          end=None, config_key="k", record=TrialRecord(config=config))

    assert generated_mano_warning([trial(0, "synthetic", True), trial(1, "interhand", False)]) == []
    (line, _) = generated_mano_warning([trial(0, "interhand", True), trial(1, "interhand", False)])
    assert line.startswith("> **Warning: 1 trial(s) trained InterHand2.6M on the generated MANO stand-in**")
    assert "MPVPE, so the score, are wrong" in line
