"""The end-of-run summary `run` prints (terminal or log): counts by state, the best configuration and trial, the
blind baseline and whether the best configuration beats it (blind_check.py), where the study is stored and what to
run next. Plain lines, never wrapped, so a log keeps them whole."""

from __future__ import annotations

import shlex
import statistics

from optuna.trial import TrialState

from ..results import StudyResults, primary_value
from ..search.best import best_configuration, best_trial, describe_best, short
from ..search.blind_check import blind_summary
from ..study.record import TrialRecord
from ..search.trial_counts import count_trials
from ..train.trainer import DATA_WAIT_WARN


def summary_lines(spec, study, n_trials: int) -> list[str]:
    maximize = spec.objective.direction == "maximize"
    results = StudyResults.of(study, maximize)
    trials = results.trials
    counts = count_trials(trials)
    states = ", ".join(f"{k} {v}" for k, v in sorted(counts.by_state.items())) or "no trials"
    lines = [f"summary: study {spec.name}: {counts.done}/{n_trials} trials done ({states})"]
    complete = [t for t in trials if t.state == TrialState.COMPLETE and primary_value(t) is not None]
    config = best_configuration(results, spec.search_space.readable)
    if config and config["n"] > 1:  # with repeats the best single trial is the luckiest seed
        params = ", ".join(f"{k}={short(v)}" for k, v in config["params"].items())
        lines.append(f"summary: best configuration: {spec.objective.metric} {describe_best(config)}"
                     + (f" ({params})" if params else ""))
    best = best_trial(results, spec.search_space.readable)
    if best is not None:
        params = ", ".join(f"{k}={short(v)}" for k, v in best["params"].items())
        lines.append(f"summary: best single trial {best['number']}: {spec.objective.metric} {best['value']:.2f} mm (one seed)"
                     + (f" ({params})" if params else ""))
    if config:
        members = [(primary_value(t), TrialRecord.of(t)) for t in complete if t.number in config["trials"]]
        lines += [f"summary: {line}" for line in blind_summary(members, spec.objective.metric, maximize)["lines"]]
    if getattr(spec, "racing", None) is not None and complete:
        from ..search.racing import race_summary, study_race

        state = study_race(spec, trials)
        lines.append(f"summary: {race_summary(spec, trials, state)}")
        if not state.over:
            lines.append(f"summary: the race needs more seeds than n_trials={n_trials} allowed: raise n_trials "
                         f"(or pass --n-trials) and run again to go on")
    lines.append(f"summary: storage {spec.storage_url}; run folders {spec.runs_dir}")
    waits = [w for w in (TrialRecord.of(t).data_wait_share for t in complete) if w is not None]
    if waits and statistics.median(waits) > DATA_WAIT_WARN:
        lines.append(f"summary: the trials waited for data {100 * statistics.median(waits):.0f}% of their training "
                     "loops (median): the loader holds the steps back; raise data.num_workers (or on CUDA leave "
                     "it 'auto' and give each trial more CPU cores)")
    study_file = shlex.quote(str(spec.path))
    failed = sum(t.state == TrialState.FAIL and TrialRecord.of(t).error is not None for t in trials)
    if failed:
        lines.append(f"summary: {failed} trial(s) failed with an error: see why with `mahm-search status {study_file}`; after a "
                     f"fix, `mahm-search run {study_file} --retry-failed` trains the failed configurations again")
    lines.append(f"next: mahm-search status {study_file}; mahm-search plot {study_file}; "
                 f"mahm-search report {study_file}")
    return lines


def print_summary(spec, study, n_trials: int) -> None:
    for line in summary_lines(spec, study, n_trials):
        print(line, flush=True)
