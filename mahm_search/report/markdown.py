"""`mahm-search report`: report.md with the study's settings, best configurations, ablation tables,
the figures (written by write_figures) and a findings paragraph computed from the numbers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional

import pandas as pd
import yaml

from ..memory import format_bytes
from .figures import FiguresResult, write_figures
from .convergence import convergence_findings, convergence_rows, convergence_table
from .findings import findings
from .optuna_plots import IMPORTANCE_RULE
from .protocol import metric_text, val_set_text
from .tables import ablation_frame, best_configurations, shown

FIGURE_CAPTIONS = {
    "curves": "Validation score vs training steps, one line per configuration (thick: best; band: spread "
              "over seeds)",
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
    "errors on the same validation samples, also paired over those samples; otherwise it says "
    "'inconclusive' and about how many seeds per configuration (n = 2(1.96+0.84)^2 s^2/d^2) would resolve "
    "the observed difference d at the seeds' spread s.",
]


def write_report(study_path: str | Path, out: Optional[str | Path] = None, quiet: bool = False) -> Path:
    result = write_figures(study_path, out=out, fmt="png", quiet=quiet)
    path = result.out / "report.md"
    path.write_text(render_report(result))
    if not quiet:
        print(f"wrote {path}")
    return path


def _settings(settings: dict, records: list) -> dict:
    """The study's settings as run: a default memory budget is shown as the budget the trials applied."""
    shown = dict(settings)
    if shown.get("memory") is None:
        budgets = sorted({r.record.memory_budget_bytes for r in records if r.record.memory_budget_bytes})
        applied = ", ".join(format_bytes(b) for b in budgets) or "not recorded by these trials"
        shown["memory"] = f"default ({applied})"
    return shown


def _race_lines(loaded) -> list[str]:
    """Under `repeats: auto`, why the configurations have the seeds they have: the race's state."""
    racing = getattr(loaded.spec, "racing", None)
    if racing is None:
        return []
    from ..search.racing import race_summary

    trials = loaded.study.get_trials(deepcopy=False)
    race = race_summary(loaded.spec, trials)
    return [f"Seeds were raced (`repeats: auto`, confidence {racing.confidence:g}, at most {racing.max} seeds): "
            "the leading configurations got more seeds until the others were shown worse (a t test over "
            "seeds, per-seed spread pooled over the configurations) or too close to tell apart within "
            f"the cap. {race[0].upper() + race[1:]}. The findings below are drawn "
            "from the seeds that ran, as for any study.", ""]


def render_report(result: FiguresResult) -> str:
    loaded, records = result.loaded, result.records
    maximize = loaded.maximize
    counts = Counter(r.state.lower() for r in records)
    settings = loaded.plots
    factors = (settings.group_by or []) + [f for f in result.factors if f not in (settings.group_by or [])]
    best = best_configurations(records, factors, maximize, settings.label)
    target, convergence = convergence_table(records, factors, maximize, settings.label)
    val_set = val_set_text(next((r.record.config for r in records if r.record.config), None))
    lines = [f"# Study report: {loaded.name}", "",
             f"Study file `{loaded.path}`. Trials: {len(records)} "
             f"({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}).", "",
             f"Every number below: {metric_text(loaded.metric)}, {'higher' if maximize else 'lower'} is "
             f"better, on the {val_set}, at the last evaluation of each trial unless said otherwise.", "",
             *HOW_TO_READ, "",
             "## Settings", "", "```yaml", yaml.safe_dump(_settings(loaded.settings, records), sort_keys=False,
                                                         default_flow_style=None).rstrip(), "```", "",
             "## Best configurations", "",
             "Final validation score over completed seeds (n): mean, 95% CI over seeds, the seeds' std, "
             "and the validation noise of one trial's score (val SE).", ""]
    lines += [shown(best).to_markdown(index=False) if len(best) else "_No completed trial yet._", ""]
    lines += _race_lines(loaded)
    lines += ["## Ablation", "", f"{settings.ablation_metric.capitalize()} validation score per level "
              "over completed trials (all other factors pooled): mean (best in bold), 95% CI over those "
              "trials, their std, val SE, min and max.", ""]
    for factor, rows in result.ablation.items():
        lines += [f"### {factor}", "", ablation_frame(factor, rows).to_markdown(index=False), ""]
    if not result.ablation:
        lines += ["_No varied factor with a completed trial._", ""]
    if target is not None and len(convergence) > 1:
        lines += ["## Convergence and cost", "",
                  f"Steps and wall-clock time until a trial's validation score first reaches {target:.2f} mm, "
                  "the reference configuration's mean final score; mean and 95% CI over the seeds that reached "
                  "it; 'vs reference': difference from the reference, Welch 95% CI over seeds. Time = steps x "
                  "the trial's mean seconds per step (evaluations and any rescue's recomputation included).", "",
                  pd.DataFrame(convergence_rows(convergence)).to_markdown(index=False), ""]
    lines += ["## Figures", ""]
    for name, caption in FIGURE_CAPTIONS.items():
        if name in result.files:
            lines += [f"![{caption}]({result.files[name].name})", "", f"*{caption}.*", ""]
    lines += [f"- {note}" for note in result.notes] + ([""] if result.notes else [])
    found = findings(records, result.ablation, best, maximize, tuple(convergence_findings(target, convergence)))
    lines += ["## Findings", "", *[f"- {sentence}" for sentence in found], ""]
    return "\n".join(lines)
