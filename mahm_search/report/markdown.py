"""`mahm-search report`: report.md with the study's provenance, its settings as the trials ran them,
best configurations, how they compare with the blind baseline (the training set's mean hand; a warning
at the top when the best is not shown better), ablation tables, convergence, the memory gate's
figures, the figures (written by write_figures) and a findings paragraph computed from the numbers.

What the report prints comes from what the trials recorded (as_run.py): the metric the study stored,
each trial's config, budget and code version. Where the study file (or the code) now differs, or the
trials ran on more than one code version, the report says so at its top. Every table lists the
configurations in one order (tables.config_order); tables keep the numbers exactly as formatted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Optional

import pandas as pd
import yaml

from ..results import study_trials
from .records.as_run import Changes, Provenance, file_changes, provenance, settings_as_run
from .blind import blind_section, blind_sentences, blind_warnings
from .convergence import convergence_findings, convergence_rows, convergence_table
from .curves_data import configurations
from .factors import curve_label, short_name
from .figures.figures import FiguresResult, write_figures
from .findings import findings
from .figures.optuna_plots import IMPORTANCE_RULE
from .protocol import metric_text, val_set_text
from .tables import (DASH, ablation_frame, best_configurations, config_order, has_memory_records, in_table_order,
                     memory_frame, shown)

FIGURE_CAPTIONS = {
    "curves": "Validation score vs training steps, one line per configuration: the mean over its seeds, the "
              "band as the legend names it (min-max over the seeds by default); a line is drawn thick only "
              "when it is shown better than every other (95%, Holm-corrected)",
    "curves_time": "The same against wall-clock time",
    "ablation": "Score per level of each varied factor, with 95% CIs over its trials",
    "history": "Every trial's score in trial order, and the best completed so far",
    "importance": f"Parameter importance ({IMPORTANCE_RULE})",
}
HOW_TO_READ = [
    "How to read the intervals: a final score has seed noise (its spread over repeats; a 95% t interval "
    "over seeds, a dash with one seed) and validation noise (a mean over a finite validation set; 'val SE' "
    "is its standard error over samples). A finding says one configuration is better than another only "
    "when the 95% CI of their difference excludes 0 over seeds (Welch) and, when both kept per-sample "
    "errors on the same validation samples, also paired over those samples, and its p value survives "
    "Holm's correction over the comparisons made together; otherwise it says 'inconclusive'.",
]
# Cells that read as numbers (a value, an interval, a signed difference, a dash) are right-aligned.
NUMERIC_START = tuple("0123456789+-[*.\u2013\u2212")
TEXT_COLUMNS = ("trials", "rescue", "memory rescue", "estimator")


def write_report(study_path: str | Path, out: Optional[str | Path] = None, quiet: bool = False) -> Path:
    result = write_figures(study_path, out=out, fmt="png", quiet=quiet)
    path = result.out / "report.md"
    path.write_text(render_report(result))
    if not quiet:
        print(f"wrote {path}")
    return path


def markdown_table(frame: pd.DataFrame) -> str:
    """The frame as a markdown table with every cell exactly as formatted (tabulate's number parsing
    would print '0.50' as '0.5'); the first column and text columns left-aligned, numbers right."""
    align = []
    for i, column in enumerate(frame.columns):
        cells = [str(v) for v in frame[column] if str(v) not in ("", DASH)]
        numeric = i > 0 and column not in TEXT_COLUMNS and bool(cells) and all(c.startswith(NUMERIC_START)
                                                                             for c in cells)
        align.append("right" if numeric else "left")
    return frame.to_markdown(index=False, disable_numparse=True, colalign=align)


def _order_by_label(records: list, factors: list[str], template: Optional[str]) -> dict[str, tuple]:
    """Configuration label -> its place in the report's one order (tables.config_order)."""
    order: dict[str, tuple] = {}
    for members in configurations(records).values():
        key = config_order(members, factors)
        for m in members:
            order.setdefault(curve_label(m.params, factors, template, m.number), key)
    return order


def generated_mano_warning(records: list) -> list[str]:
    """report.md's warning for trials that trained real data on the generated MANO stand-in."""
    stand_in = [r.number for r in records if r.record.config
                and (r.record.config.get("data") or {}).get("source") == "interhand"
                and (r.record.config.get("mano") or {}).get("generated")]
    if not stand_in:
        return []
    return [f"> **Warning: {len(stand_in)} trial(s) trained InterHand2.6M on the generated MANO stand-in** "
            "(`mano: {generated: true}`): their meshes, the vertex loss and MPVPE, so the score, are wrong; "
            "the joint metrics are not. Give the real MANO files (`mano.dir` or `$MAHM_MANO_DIR`).", ""]


def _warnings(changes: Changes, prov: Provenance) -> list[str]:
    out = []
    if changes.file or changes.problems:
        out += ["> **Warning: study file changed since these trials ran.** Everything below is what the trials "
                "recorded (Settings); the study file now differs in:"]
        out += [f"> - {c.text()}" for c in changes.file]
        out += [f"> - {p}" for p in changes.problems]
        out += [""]
    if prov.mixed:
        out += [f"> **Warning: these trials ran on {len(prov.versions)} different code versions:** "
                f"{prov.versions_text()}. Their numbers may not be comparable; trials.csv gives each "
                "trial's `code_version`.", ""]
    return out


def _header(result: FiguresResult, prov: Provenance) -> list[str]:
    loaded, records = result.loaded, result.records
    counts = Counter(r.state.lower() for r in records)
    if prov.mixed:
        code = f"the trials ran on {len(prov.versions)} code versions (see the warning above)"
    elif not prov.versions:
        code = "no trial recorded its code"
    elif None in prov.versions:
        code = "the trials did not record their code version (they ran before trials recorded it)"
    else:
        code = f"the trials ran `{next(iter(prov.versions))}` (all {sum(prov.versions.values())} trials)"
    return [f"Study file `{loaded.path}`, storage `{loaded.storage_text}`. Trials: {len(records)} "
            f"({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}), run {prov.dates_text()}.", "",
            f"Code: {code}; this report was made by `{prov.report_code}` (package version, git commit of "
            "the package when it is a git checkout, '+modified' with uncommitted changes, hash of its source).", ""]


def _settings_section(loaded, records, changes: Changes) -> list[str]:
    as_run, from_file = settings_as_run(loaded, records)
    with_config = sum(1 for r in records if r.record.config)

    def block(tree: dict[str, Any]) -> list[str]:
        return ["```yaml", yaml.safe_dump(tree, sort_keys=False, default_flow_style=None, width=110).rstrip(), "```"]

    lines = ["## Settings", "",
             f"As the trials ran them: each trial's recorded config ({with_config} of {len(records)} trials "
             "recorded one; `varies per trial`: the searched values, seeds and memory rescues), the memory "
             "budget they recorded and the metric the study stored.", "", *block(as_run), "",
             "The search's own settings, which no trial records, as the study file gives them now:", "",
             *block(from_file), ""]
    if changes.code:
        lines += ["The current code's defaults differ from what these trials ran (the code changed since; a "
                  "new run of this study file would use the new values):", ""]
        lines += [f"- {c.text()}" for c in changes.code] + [""]
    return lines


def _best_section(best: pd.DataFrame, val_set: str) -> list[str]:
    ses = pd.to_numeric(best["val SE (mm)"], errors="coerce").dropna() if len(best) else pd.Series(dtype=float)
    example = (f" (here val SE is {ses.min():.2f} to {ses.max():.2f} mm, so about \u00b1"
               f"{1.96 * ses.max():.1f} mm)") if len(ses) else ""
    lines = ["## Best configurations", "",
             "Final validation score over completed seeds (n): mean, 95% CI over seeds, the seeds' std, and "
             "the validation noise of one trial's score (val SE); rank: by mean score (1 = best), the rows in "
             "the report's one order of configurations.", "",
             f"The 95% CI over seeds holds for this fixed validation set only ({val_set}): it is the "
             "uncertainty of the mean over seeds on these samples. As an estimate of the error on new samples, "
             f"add the validation set's own error, \u00b11.96\u00b7val SE{example}. Comparisons between "
             "configurations on the same samples are paired (Findings) and do not carry that error.", ""]
    lines += [markdown_table(shown(in_table_order(best))) if len(best) else "_No completed trial yet._", ""]
    return lines


def _memory_section(records, factors: list[str], template: Optional[str]) -> list[str]:
    if not has_memory_records(records):
        return []
    frame = memory_frame(records, factors, template)
    if not len(frame):
        return []
    return ["## Memory", "",
            "The memory gate per configuration (MiB = 2^20 bytes), from the trials' records: the budget it "
            "applied; its estimate of the training step's peak before any rescue and as trained (what the "
            "budget is compared with); the rescue that made it fit (activation checkpointing, micro-batches) "
            "or 'none fits' for a configuration pruned for memory (no step trained); the measured tensor "
            "peak of the trials that trained; and the tensor estimate minus that peak (share of the peak). "
            "Ranges where the trials differ.", "",
            markdown_table(shown(frame)), ""]


def _race_lines(loaded) -> list[str]:
    """Under `repeats: auto`, why the configurations have the seeds they have: the race's state."""
    racing = getattr(loaded.spec, "racing", None)
    if racing is None:
        return []
    from ..search.racing import race_summary

    trials = study_trials(loaded.study)
    race = race_summary(loaded.spec, trials)
    return [f"Seeds were raced (`repeats: auto`, confidence {racing.confidence:g}, at most {racing.max} seeds): "
            "the leading configurations got more seeds until the others were shown worse (a t test over "
            "seeds, per-seed spread pooled over the configurations) or too close to tell apart within "
            f"the cap. {race[0].upper() + race[1:]}. The findings below are drawn "
            "from the seeds that ran, as for any study.", ""]


def _convergence_section(convergence, target, records, factors, template) -> list[str]:
    if target is None or len(convergence) <= 1:
        return []
    order = _order_by_label(records, factors, template)
    rows = convergence_rows(convergence)
    ranked = sorted(zip(convergence, rows),  # a label not found keeps its place after the others
                    key=lambda cr: (0, order[cr[0].configuration]) if cr[0].configuration in order else (1,))
    return ["## Convergence and cost", "",
            f"Steps and wall-clock time until a trial's validation score first reaches {target:.2f} mm, the "
            "reference configuration's mean final score. 'reached / n': seeds that reached it; a seed that "
            "never did counts as the training budget (the steps every compared seed evaluated), so the mean "
            "is over every completed seed, with its 95% t interval (clipped to what is possible, and said so). "
            "'vs reference': difference from the reference, Welch 95% CI over seeds; a verdict needs it to "
            "exclude 0 and its p value to survive Holm's correction over the table's comparisons. Time = steps "
            "x the trial's mean seconds per step (evaluations and any rescue's recomputation included); "
            "wall-clock time on a shared host also measures the host's load, so seconds per step is given "
            "too.", "",
            markdown_table(pd.DataFrame([row for _, row in ranked])), ""]


def _pareto_lines(result: FiguresResult) -> list[str]:
    """A multi-objective study's front (pareto.py); nothing for a single-objective one."""
    from .pareto import pareto_section, study_front

    metrics, points = study_front(result.loaded)
    if len(metrics) < 2:
        return []
    figure = result.files["pareto"].name if "pareto" in result.files else None
    directions = [d.name.lower() for d in result.loaded.study.directions]
    return pareto_section(points, metrics, figure, result.factors, result.loaded.plots.label, markdown_table,
                          directions)


def render_report(result: FiguresResult) -> str:
    loaded, records = result.loaded, result.records
    maximize = loaded.maximize
    settings = loaded.plots
    factors = (settings.group_by or []) + [f for f in result.factors if f not in (settings.group_by or [])]
    best = best_configurations(records, factors, maximize, settings.label)
    target, convergence = convergence_table(records, factors, maximize, settings.label)
    val_set = val_set_text(next((r.record.config for r in records if r.record.config), None))
    prov = provenance(records)
    changes = file_changes(loaded, records)
    lines = [f"# Study report: {loaded.name}", "", *blind_warnings(best, maximize, loaded.metric),
             *generated_mano_warning(records), *_warnings(changes, prov),
             *_header(result, prov),
             f"Every number below: {metric_text(loaded.metric)}, {'higher' if maximize else 'lower'} is "
             f"better, on the {val_set}, at the last evaluation of each trial unless said otherwise.", "",
             *HOW_TO_READ, "",
             *_settings_section(loaded, records, changes),
             *_best_section(best, val_set), *_race_lines(loaded), *_pareto_lines(result),
             *blind_section(best, records, maximize, loaded.metric, markdown_table)]
    lines += ["## Ablation", "", f"{settings.ablation_metric.capitalize()} validation score per level "
              "over completed trials (all other factors pooled): mean (in bold when that level is shown better "
              "than every other level), 95% CI over those trials, their std, val SE, min and max.", ""]
    for factor, rows in result.ablation.items():
        lines += [f"### {short_name(factor)} (`{factor}`)", "", markdown_table(ablation_frame(factor, rows)), ""]
    if not result.ablation:
        lines += ["_No varied factor with a completed trial._", ""]
    lines += _convergence_section(convergence, target, records, factors, settings.label)
    lines += _memory_section(records, factors, settings.label)
    lines += ["## Figures", ""]
    for name, caption in FIGURE_CAPTIONS.items():
        if name in result.files:
            lines += [f"![{caption}]({result.files[name].name})", "", f"*{caption}.*", ""]
    lines += [f"- {note}" for note in result.notes] + ([""] if result.notes else [])
    found = findings(records, result.ablation, best, maximize, tuple(convergence_findings(target, convergence)))
    found = [f"{s[0].upper()}{s[1:]}." for s in blind_sentences(best, maximize, loaded.metric)] + found
    lines += ["## Findings", "", *[f"- {sentence}" for sentence in found], ""]
    return "\n".join(lines)
