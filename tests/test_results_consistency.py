"""One study, one answer: `status --json`, the end-of-run summary, the race's leader and report.md
name the same best configuration with the same mean and interval (all read results/)."""

from __future__ import annotations

import json
from unittest import mock

import optuna
import yaml

import mahm_search.search.trial as trial_module
from mahm_search.report.markdown import write_report
from mahm_search.results import StudyResults, study_trials, trial_key
from mahm_search.search.optuna.optuna_backend import run_worker_loop
from mahm_search.search.racing import study_race
from mahm_search.console.status import print_status
from mahm_search.study.storage import open_study
from mahm_search.study.study_spec import load_study_spec
from mahm_search.console.summary import summary_lines
from support.study_factory import DEEPEST, EVAL_EVERY, N_VAL, STEPS, stand_in_plan, stand_in_train

WIDTHS = [[512, 256, 512], [int(w) for w in DEEPEST.split("-")]]


def _raced_study(folder):
    """Two cascades raced over seeds (`repeats: auto`) by the real search with the stand-in trainer."""
    path = folder / "same.yaml"
    path.write_text(yaml.safe_dump({
        "name": "same", "storage": "sqlite:///same.db", "sampler": {"type": "grid"}, "pruner": {"type": "none"},
        "n_trials": 8, "repeats": {"auto": True, "max": 4}, "memory": "10GiB",
        "objective": {"metric": "score", "direction": "minimize"},
        "train": {"steps": STEPS, "eval_every": EVAL_EVERY}, "data": {"synthetic": {"n_val": N_VAL}},
        "space": {"arch.cascade_widths": {"choices": WIDTHS}}}))
    spec = load_study_spec(path)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(spec, create=True)
    with mock.patch.object(trial_module, "plan_memory", stand_in_plan):
        run_worker_loop(spec, study, spec.n_trials, objective=trial_module.TrialObjective(spec, train_fn=stand_in_train))
    return spec, study


def _report_rank_one(report: str) -> dict:
    """The best-configurations table's row of rank 1, column -> cell."""
    section = report.split("## Best configurations", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    for line in rows[2:]:
        cells = dict(zip(head, (c.strip() for c in line.strip("|").split("|"))))
        if cells["rank"] == "1":
            return cells
    raise AssertionError("no row of rank 1")


def test_status_summary_race_and_report_name_the_same_best_configuration(tmp_path, capsys):
    spec, study = _raced_study(tmp_path)
    capsys.readouterr()

    print_status(spec.path, as_json=True)
    status = json.loads(capsys.readouterr().out)["best_configuration"]
    assert status["n"] >= 2 and status["ci"] is not None  # a mean over seeds with an interval
    mean, (low, high) = f"{status['mean']:.2f}", (f"{v:.2f}" for v in status["ci"])

    lines = summary_lines(spec, study, spec.n_trials)
    summary = [line for line in lines if line.startswith("summary: best configuration:")]
    assert summary == [f"summary: best configuration: score {mean} mm, mean of {status['n']} seeds, "
                       f"95% CI over seeds [{low}, {high}] (arch.cascade_widths={status['params']['arch.cascade_widths']})"]

    trials = study_trials(study)
    leader = study_race(spec, trials).leader
    results = StudyResults(trials, maximize=False)
    members = [t for t in trials if t.number in status["trials"]]
    assert {trial_key(t) for t in members} == {leader} and results.best().key == leader
    interval = results.configurations[leader].interval
    assert (interval.mean, interval.bounds()) == (status["mean"], status["ci"])
    stored = "-".join(map(str, status["params"]["arch.cascade_widths"]))  # as the race line prints it
    race = [line for line in lines if line.startswith("summary: race")]
    assert race and f": leader arch.cascade_widths={stored} ({status['n']} seeds)" in race[0]

    row = _report_rank_one(write_report(spec.path, quiet=True).read_text())
    assert row["trials"] == ", ".join(f"#{n}" for n in status["trials"])
    assert row["n"] == str(status["n"]) and row["mean (mm)"] == mean and row["95% CI (mm)"] == f"[{low}, {high}]"
