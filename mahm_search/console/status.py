"""`mahm-search status STUDY`: trials by state, the best configuration (mean over its seeds) and the
best single trial, the blind baseline and whether the best configuration is shown better than it
(blind_check.py), prune reasons, running trials, and the FAIL trials grouped by error (printed whole: no table cell, so a log never cuts or wraps it)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict

from optuna.trial import TrialState
from rich.console import Console
from rich.table import Table

from ..results import StudyResults, primary_value
from ..search.best import best_configuration, best_trial, describe_best, short
from ..search.blind_check import blind_summary
from ..search.stopping.error_streak import error_key
from ..study.record import TrialRecord
from ..study.storage import open_study
from ..study.study_spec import load_study_spec
from ..search.trial_counts import count_trials
from ..search.slurm.jobs import job_lines


def study_status(path: str | Path) -> Dict[str, Any]:
    spec = load_study_spec(path)
    study = open_study(spec, create=False)
    results = StudyResults.of(study, spec.objective.direction == "maximize")
    trials = results.trials
    counts = count_trials(trials)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = best_trial(results, spec.search_space.readable)
    best_config = best_configuration(results, spec.search_space.readable)
    reasons = Counter(TrialRecord.of(t).prune_reason or "unknown" for t in trials if t.state == TrialState.PRUNED)
    running = []
    for t in trials:
        if t.state == TrialState.RUNNING:
            last = max(t.intermediate_values) if t.intermediate_values else None
            running.append({"number": t.number, "step": last,
                            "last_value": t.intermediate_values[last] if last is not None else None})
    # the metric the stored values are (the study's own, study/storage.py): the file may have been edited since
    metric = study.user_attrs.get("objective_metric") or spec.objective.metric
    blind = None
    if best_config is not None:
        members = [(primary_value(t), TrialRecord.of(t)) for t in complete if t.number in best_config["trials"]]
        blind = blind_summary(members, metric, spec.objective.direction == "maximize")
    return {"study": spec.name, "storage": spec.storage_url, "metric": metric,
            "direction": spec.objective.direction, "n_trials": spec.n_trials, "done": counts.done,
            "states": counts.by_state, "best": best, "best_configuration": best_config, "blind": blind, "prune_reasons": dict(reasons), "running": running,
            "errors": failure_groups(trials), "slurm_jobs": job_lines(spec),
            "interrupted": [t.number for t in trials if TrialRecord.of(t).interrupted]}


def failure_groups(trials) -> list:
    """FAIL trials by error (errors that differ only in numbers are one group), most frequent first;
    a FAIL without an error is a process that died (its retry is another trial)."""
    groups: Dict[str, Dict[str, Any]] = {}
    for t in trials:
        if t.state != TrialState.FAIL:
            continue
        record = TrialRecord.of(t)
        error = record.error
        key = error_key(error) if error is not None else ("preempted" if record.interrupted else "")
        group = groups.setdefault(key, {"error": error or (PREEMPTED if record.interrupted else DIED),
                                        "count": 0, "trials": []})
        group["count"] += 1
        group["trials"].append(t.number)
    return sorted(groups.values(), key=lambda g: -g["count"])


PREEMPTED = "preempted by a signal at a checkpoint (not counted); the trial resumes from that step"
DIED = "the process died (killed, Ctrl-C or a full disk); the trial is retried from its checkpoint"


def print_status(path: str | Path, as_json: bool = False) -> None:
    status = study_status(path)
    console = Console()
    if as_json:
        print(json.dumps(status, indent=2, default=str))
        return
    print(f"{status['study']}  {status['done']}/{status['n_trials']} trials done  "
          f"({status['direction']} {status['metric']})  storage {status['storage']}", flush=True)
    console.print(_table("Trials by state", ("state", "count"), status["states"].items()))
    config = status["best_configuration"]
    if config and config["n"] > 1:  # with repeats the best single trial is the luckiest seed: lead with the mean
        rows = [(status["metric"], describe_best(config)),
                ("seeds", f"{config['n']} (trials {', '.join(map(str, config['trials']))}), "
                          f"range {config['min']:.2f}-{config['max']:.2f}")]
        rows += [(k, short(v)) for k, v in config["params"].items()]
        rows.append(("rescue", config["rescue"]))
        console.print(_table("Best configuration (mean over seeds)", ("field", "value"), rows))
    if status["best"]:
        b = status["best"]
        rows = [("trial", b["number"]), (status["metric"], f"{b['value']:.2f} mm"), ("steps", b["steps_done"]),
                ("rescue", b["rescue"])] + [(k, short(v)) for k, v in b["params"].items()]
        console.print(_table("Best single trial (one seed)", ("field", "value"), rows))
    if status["blind"]:
        console.file.flush()
        print("Against the blind baseline:")
        for line in status["blind"]["lines"]:
            print(f"  {line}", flush=True)
    if status["prune_reasons"]:
        console.print(_table("Prune reasons", ("reason", "count"), status["prune_reasons"].items()))
    if status["running"]:
        rows = [(r["number"], r["step"] if r["step"] is not None else "-",
                 f"{r['last_value']:.4g}" if r["last_value"] is not None else "-") for r in status["running"]]
        console.print(_table("Running trials", ("trial", "step", f"last {status['metric']}"), rows))
    if status["interrupted"]:
        print(f"Interrupted (preempted, queued to resume; not counted): trials "
              f"{', '.join(map(str, status['interrupted']))}", flush=True)
    for line in status["slurm_jobs"]:
        print(line, flush=True)
    if status["errors"]:
        console.file.flush()
        print("Failed trials by error:")
        for g in status["errors"]:
            print(f"  FAIL {g['count']} (trials {', '.join(map(str, g['trials']))}): {g['error']}", flush=True)


def _table(title: str, columns, rows) -> Table:
    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(str(c))
    for row in rows:
        table.add_row(*(str(v) for v in row))
    return table
