"""`mahm-search report`: report.md with the study's settings, best configurations, ablation tables,
the figures (written by write_figures) and a findings paragraph computed from the numbers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Optional

import yaml

from ..memory import format_bytes
from .figures import FiguresResult, write_figures
from .findings import findings
from .tables import ablation_frame, best_configurations

FIGURE_CAPTIONS = {
    "curves": "Validation score vs training steps, one line per configuration (thick: best)",
    "ablation": "Score per level of each varied factor",
    "history": "Objective per trial and best so far",
    "importance": "Parameter importance",
}


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


def render_report(result: FiguresResult) -> str:
    loaded, records = result.loaded, result.records
    maximize = loaded.maximize
    counts = Counter(r.state.lower() for r in records)
    settings = loaded.plots
    factors = (settings.group_by or []) + [f for f in result.factors if f not in (settings.group_by or [])]
    best = best_configurations(records, factors, maximize, settings.label)
    lines = [f"# Study report: {loaded.name}", "",
             f"Study file `{loaded.path}`; objective: {loaded.settings.get('objective', {}).get('metric', 'score')} "
             f"in mm, {'higher' if maximize else 'lower'} is better. "
             f"Trials: {len(records)} ({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}).", "",
             "## Settings", "", "```yaml", yaml.safe_dump(_settings(loaded.settings, records), sort_keys=False,
                                                         default_flow_style=None).rstrip(), "```", "",
             "## Best configurations", "",
             "Mean and std of the final validation score over completed repeats (n).", ""]
    lines += [best.to_markdown(index=False, floatfmt=".2f") if len(best) else "_No completed trial yet._", ""]
    lines += ["## Ablation", "", f"{settings.ablation_metric.capitalize()} validation score per level "
              "over completed trials (all other factors pooled); best mean in bold.", ""]
    for factor, rows in result.ablation.items():
        lines += [f"### {factor}", "", ablation_frame(factor, rows).to_markdown(index=False), ""]
    if not result.ablation:
        lines += ["_No varied factor with a completed trial._", ""]
    lines += ["## Figures", ""]
    for name, caption in FIGURE_CAPTIONS.items():
        if name in result.files:
            lines += [f"![{caption}]({result.files[name].name})", "", f"*{caption}.*", ""]
    lines += [f"- {note}" for note in result.notes] + ([""] if result.notes else [])
    best_row = best.iloc[0].to_dict() if len(best) else None
    lines += ["## Findings", "", " ".join(findings(records, result.ablation, best_row, maximize)), ""]
    return "\n".join(lines)
