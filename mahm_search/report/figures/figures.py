"""`mahm-search plot`: curves (against steps and wall-clock time), ablation, history and importance
figures, trials.csv and curves.json.

Works on a finished study and on one still running (running trials' curves so far are drawn).
Every axis names the metric and its protocol (protocol.py); every figure names the validation set
and the training length its scores come from, so that it reads on its own (e.g. in a paper).
The ablation covers every varied factor; `plots.group_by` only chooses which factor colours the
figures (its levels' colours are the same in every figure) and orders the labels. Curves, ablation and
history draw the blind baseline (the training set's mean hand) as a labelled chance line (blind.py).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

from ..ablation import ablation_table
from .ablation_plot import plot_ablation
from ..records.as_run import provenance
from ..blind import blind_values
from ..curves_data import colour_factor, curve_lines
from .curves_plot import plot_curves
from ...errors import ConfigError
from ..errors import EmptyStudyError
from ..factors import varied_factors
from .history_plot import plot_history
from .optuna_plots import plot_importance
from ..protocol import short_metric, val_set_text
from ..records.records import StudyTrial, trial_records
from ..records.source import LoadedStudy, load_study
from .trials_table import trials_frame


@dataclass
class FiguresResult:
    out: Path
    files: dict[str, Path]  # e.g. {"curves": .../curves.png, "trials": .../trials.csv}
    notes: list[str]  # figures skipped and why
    loaded: LoadedStudy
    records: list[StudyTrial]
    factors: list[str]
    lines: list[dict[str, Any]]
    ablation: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def write_figures(study_path: str | Path, out: Optional[str | Path] = None,
                  fmt: Literal["png", "pdf", "svg"] = "png", quiet: bool = False) -> FiguresResult:
    loaded = load_study(study_path)
    records = trial_records(loaded.study)
    out_dir = Path(out) if out is not None else loaded.default_out
    check_out_folder(out_dir, "--out" if out is not None else "output folder")
    _require_scores(loaded, records, out_dir)
    _make_folder(out_dir)
    settings = loaded.plots
    factors = varied_factors(records)
    lines = curve_lines(records, factors, settings, loaded.maximize)
    grouped = list(settings.group_by or [])
    table = ablation_table(records, grouped + [f for f in factors if f not in grouped], settings.ablation_metric,
                           loaded.maximize, colour_by=colour_factor(factors, settings))
    protocol = protocol_text(records, lines)
    chance = blind_values(records)
    files: dict[str, Path] = {}
    notes: list[str] = []

    files["trials"] = out_dir / "trials.csv"
    trials_frame(records).to_csv(files["trials"], index=False)
    files["curves_json"] = out_dir / "curves.json"
    files["curves_json"].write_text(json.dumps(
        {"study": loaded.name, "metric": loaded.metric, "maximize": loaded.maximize, "factors": factors,
         "protocol": protocol, "provenance": provenance(records).as_dict(),
         "colour_factor": colour_factor(factors, settings), "lines": lines,
         "blind": [{"value": b.value, "trials": b.trials} for b in chance]}, indent=1,
        default=str))

    title = f"Study '{loaded.name}': {_counts_text(records)}"
    metric, axis = short_metric(loaded.metric), loaded.metric.replace("_", "-")
    if "curves" in settings.figures:
        files["curves"] = out_dir / f"curves.{fmt}"
        plot_curves(lines, files["curves"], f"Validation {metric} vs training steps\n{title}\n{protocol}",
                    loaded.maximize, _not_drawn_note(records, lines), axis_text=f"validation {axis}",
                    factors=factors, blind=chance)
        if any(ln.get("times") for ln in lines):
            files["curves_time"] = out_dir / f"curves_time.{fmt}"
            plot_curves(lines, files["curves_time"],
                        f"Validation {metric} vs wall-clock time\n{title}\n{protocol}",
                        loaded.maximize, _not_drawn_note(records, lines), axis_text=f"validation {axis}",
                        x="times", factors=factors, blind=chance)
    if "ablation" in settings.figures:
        if table:
            files["ablation"] = out_dir / f"ablation.{fmt}"
            plot_ablation(table, files["ablation"],
                          f"{settings.ablation_metric.capitalize()} validation {metric} per level of each "
                          f"varied factor\n{title}\n{protocol}",
                          loaded.maximize, settings.ablation_metric, f"validation {axis}", blind=chance)
        else:
            notes.append("ablation skipped: no varied factor has a completed trial")
    if "history" in settings.figures:
        if any(r.final is not None for r in records):
            files["history"] = out_dir / f"history.{fmt}"
            plot_history(records, files["history"],
                         f"Final validation {metric} of every trial, in trial order\n{title}\n{protocol}",
                         loaded.maximize, axis_text=f"final validation {axis}", lines=lines,
                         colour_factor=colour_factor(factors, settings), blind=chance)
        else:
            notes.append("history skipped: no trial has a score yet")
    if "importance" in settings.figures:
        files["importance"] = out_dir / f"importance.{fmt}"
        note = plot_importance(loaded.study, files["importance"],
                               f"Study '{loaded.name}': parameter importance (fANOVA; no uncertainty shown)",
                               len(factors), _level_counts(records, factors, loaded.maximize))
        if note:
            del files["importance"]
            notes.append(note)
    _pareto_figure(loaded, files, notes, out_dir, fmt, factors, f"{title}\n{protocol}", chance)
    if not quiet:
        for path in files.values():
            print(f"wrote {path}")
        for note in notes:
            print(f"note: {note}")
    return FiguresResult(out=out_dir, files=files, notes=notes, loaded=loaded, records=records,
                         factors=factors, lines=lines, ablation=table)


def _pareto_figure(loaded, files: dict, notes: list, out_dir: Path, fmt: str, factors: list[str], title: str,
                   blind: list) -> None:
    """pareto.png for a multi-objective study (pareto.py): score against the first cost."""
    from ..pareto import plot_pareto, study_front

    metrics, points = study_front(loaded)
    if len(metrics) < 2:
        return
    if not points:
        notes.append("pareto skipped: no configuration has completed all objectives yet")
        return
    files["pareto"] = out_dir / f"pareto.{fmt}"
    more = f" (first two of {len(metrics)} objectives)" if len(metrics) > 2 else ""
    plot_pareto(points, metrics, files["pareto"], f"Pareto front: validation {metrics[0]} vs {metrics[1]}{more}\n"
                f"{title}", factors, loaded.plots.label, blind=blind)


def check_out_folder(out: str | Path, what: str = "--out") -> None:
    """--out must be a folder or not exist yet: a file there (or above it) is a one-line error."""
    path = Path(out)
    for place in (path, *path.parents):
        if place.exists() and not place.is_dir():
            where = "exists and is not a folder" if place == path else f"is inside {place}, which is a file"
            raise ConfigError([f"{what} {out}: {where}; name a folder (it is created if missing)"])


def _make_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError([f"--out {out_dir}: cannot create the folder ({err.strerror or err})"]) from None


def protocol_text(records: list[StudyTrial], lines: list[dict[str, Any]]) -> str:
    """'synthetic validation set, 128 samples; 300 training steps per trial; 4 seeds per configuration',
    from the configs the trials ran with (not the study file as it is now)."""
    configs = [r.record.config for r in records if r.record.config]
    parts = [val_set_text(configs[0] if configs else None)]
    steps = sorted({(c.get("train") or {}).get("steps") for c in configs} - {None})
    if steps:
        parts.append(f"{steps[0]} training steps per trial" if len(steps) == 1 else
                     f"{steps[0]}-{steps[-1]} training steps per trial")
    seeds = sorted({ln["repeats"] for ln in lines})
    if seeds:
        many = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
        parts.append(f"{many} seed{'s' if seeds[-1] > 1 else ''} per configuration")
    return "; ".join(parts)


def _level_counts(records: list[StudyTrial], factors: list[str], maximize: bool) -> list[int]:
    """Completed trials at every level of every varied factor (the importance rule's input)."""
    table = ablation_table(records, factors, "final", maximize)
    return [row["n"] for rows in table.values() for row in rows] + [0] * (len(factors) - len(table))


def _counts_text(records: list[StudyTrial]) -> str:
    counts = Counter(r.state.lower() for r in records)
    parts = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    return f"{len(records)} trials ({parts})"


def _not_drawn_note(records: list[StudyTrial], lines: list[dict[str, Any]]) -> str:
    silent = Counter(r.end or "complete" for r in records if not r.has_curve)
    notes = []
    if silent:
        parts = ", ".join(f"{reason}: {n}" for reason, n in sorted(silent.items()))
        notes.append(f"not drawn, no score reported ({parts})")
    configs = {r.config_key for r in records if r.has_curve}
    if len(configs) > len(lines):
        notes.append(f"best {len(lines)} of {len(configs)} configurations shown (plots.top_k)")
    return "; ".join(notes)


def _require_scores(loaded: LoadedStudy, records: list[StudyTrial], out_dir: Path) -> None:
    """Nothing to draw until some trial reported a score; say why, and where the failures are listed."""
    if any(r.has_curve or r.final is not None for r in records):
        return
    where = f"{loaded.path}: study '{loaded.name}'"
    if not any(r.state in ("COMPLETE", "PRUNED", "FAIL") for r in records):
        running = sum(r.state == "RUNNING" for r in records)
        raise EmptyStudyError(
            f"{where} has no finished trials yet ({len(records)} trials, {running} running without a "
            f"reported score); run `mahm-search run {loaded.path}` or wait for the first evaluation")
    _make_folder(out_dir)
    trials_frame(records).to_csv(out_dir / "trials.csv", index=False)
    raise EmptyStudyError(f"{where} has no trial with a score yet: {_counts_text(records)}; "
                          f"each trial's state and error are in {out_dir / 'trials.csv'}")
