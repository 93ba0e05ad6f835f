"""A multi-objective study's Pareto front: pareto.png (score against the first cost) and report.md's
section (the non-dominated configurations with their intervals over seeds, and how often each stays
non-dominated when the seeds are resampled). The front and its bootstrap come from results/_pareto.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import matplotlib.pyplot as plt
import pandas as pd

from ..results import ParetoPoint, StudyResults, pareto_front, robust_share
from ..study.objectives import COSTS, label
from .factors import curve_label
from .figures.style import DPI, FIGSIZE, save_figure

FRONT_COLOUR = "#1f77b4"
OTHER_COLOUR = "#8c8c8c"


def objective_metrics(loaded) -> list[str]:
    """The study's objectives as stored when it was created (one for a single-objective study)."""
    stored = loaded.study.user_attrs.get("objective_metrics")
    return list(stored) if stored else [loaded.metric]


def study_front(loaded) -> tuple[list[str], list[ParetoPoint]]:
    """(metrics, points): empty points for a single-objective study."""
    metrics = objective_metrics(loaded)
    if len(metrics) < 2 or len(loaded.study.directions) < 2:
        return metrics, []
    maximize = [d.name == "MAXIMIZE" for d in loaded.study.directions]
    return metrics, pareto_front(StudyResults.of(loaded.study, maximize[0]), maximize)


def plot_pareto(points: list[ParetoPoint], metrics: list[str], path: Path, title: str, factors: list[str],
                template: Optional[str], blind: Optional[list] = None) -> None:
    """Score (y) against the first cost (x): each configuration's mean with 95% intervals over seeds
    in both, its seeds as faint dots, the front joined by a step line and labelled with the share of
    seed resamples in which each point stays non-dominated."""
    fig, ax = plt.subplots(figsize=(FIGSIZE[0] + 5.0, FIGSIZE[1]), dpi=DPI)
    keys = []
    for i, p in enumerate(points, start=1):
        colour = FRONT_COLOUR if p.on_front else OTHER_COLOUR
        xs, ys = [v[1] for v in p.values], [v[0] for v in p.values]
        ax.scatter(xs, ys, s=12, color=colour, alpha=0.35, zorder=2, linewidths=0)
        x, y = p.intervals[1], p.intervals[0]
        ax.errorbar(x.mean, y.mean, xerr=_err(x), yerr=_err(y), fmt="o" if p.on_front else "s",
                    color=colour, ms=8 if p.on_front else 6, capsize=3, zorder=3, lw=1.2, alpha=0.8)
        # numbers by the points, names in the key beside the axes: close points stay readable
        ax.annotate(str(i), (x.mean, y.mean), textcoords="offset points", xytext=_offset(i), fontsize=9,
                    fontweight="bold" if p.on_front else "normal", color="black" if p.on_front else "#505050")
        keys.append(f"{i}  {curve_label(p.params, factors, template)}\n    "
                    f"{'front' if p.on_front else 'dominated'}; non-dominated in "
                    f"{100 * p.front_share:.0f}% of resamples; n={p.n}")
    fig.text(0.665, 0.92, "\n".join(keys), fontsize=7.5, va="top", ha="left", family="monospace")
    front = sorted((p for p in points if p.on_front), key=lambda p: p.means[1])
    if len(front) > 1:
        ax.step([p.means[1] for p in front], [p.means[0] for p in front], where="post", color=FRONT_COLOUR,
                lw=1.5, alpha=0.7, zorder=1)
    ax.scatter([], [], color=FRONT_COLOUR, marker="o", label="Pareto front: configuration mean, 95% CI over seeds")
    ax.scatter([], [], color=OTHER_COLOUR, marker="s", label="dominated configuration")
    ax.scatter([], [], color=OTHER_COLOUR, s=12, alpha=0.5, label="one seed")
    ax.set_xlabel(f"{label(metrics[1])}: {COSTS[metrics[1]].what}" if metrics[1] in COSTS else label(metrics[1]))
    ax.set_ylabel(f"final validation {label(metrics[0])}")
    ax.grid(alpha=0.3)
    ax.margins(0.15)
    chance = []
    if blind and metrics[0] == "score":  # the blind baseline scores the objective's metric only
        from .figures.blind_line import chance_legend, draw_chance_lines

        draw_chance_lines(ax, blind)
        chance = chance_legend(blind)
    ax.legend(handles=ax.get_legend_handles_labels()[0] + chance, fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.65, top=0.86, bottom=0.1)
    save_figure(fig, path)
    plt.close(fig)


def _offset(i: int) -> tuple:
    """Points at nearly the same place get their numbers on different sides."""
    return [(7, 5), (7, -12), (-14, 5), (-14, -12)][(i - 1) % 4]


def _err(interval):
    if not interval.known:
        return None
    return [[interval.mean - interval.low], [interval.high - interval.mean]]


def pareto_frame(points: list[ParetoPoint], metrics: list[str], factors: list[str],
                 template: Optional[str]) -> pd.DataFrame:
    rows = []
    for p in points:
        row = {"#": str(len(rows) + 1), "configuration": curve_label(p.params, factors, template), "n": p.n,
               "on front": "yes" if p.on_front else "no"}
        for metric, interval in zip(metrics, p.intervals):
            row[f"{label(metric)} mean"] = f"{interval.mean:.{_digits(metric)}f}"
            row[f"{label(metric)} 95% CI"] = interval.text(_digits(metric))
        row["non-dominated in resamples"] = f"{100 * p.front_share:.0f}%"
        rows.append(row)
    return pd.DataFrame(rows)


def _digits(metric: str) -> int:
    return {"params": 3, "flops": 3, "time_per_step": 3}.get(metric, 2 if metric not in COSTS else 1)


def pareto_section(points: list[ParetoPoint], metrics: list[str], figure: Optional[str], factors: list[str],
                   template: Optional[str], table, directions: Optional[list[str]] = None) -> list[str]:
    """report.md's 'Pareto front' section; `table` renders a frame as markdown."""
    if not points:
        return ["## Pareto front", "", "_No configuration has completed all objectives yet._", ""]
    front = [p for p in points if p.on_front]
    robust = robust_share(points)
    wobbly = [p for p in points if 0.05 < p.front_share < 0.95]
    lines = ["## Pareto front", "",
             f"Objectives: {', '.join(f'{label(m)} ({d}d)' for m, d in zip(metrics, directions or ['minimize'] * len(metrics)))}"
             ". A configuration's point is the mean of each objective "
             "over its completed seeds (95% t interval over seeds; a dash with one seed or no spread). The front "
             "is the configurations no other one beats in every objective at once. Its uncertainty over seeds: "
             "every configuration's seeds were resampled with replacement 1000 times and the front recomputed; "
             "'non-dominated in resamples' is how often each configuration was on it.", ""]
    if figure:
        lines += [f"![Pareto front]({figure})", ""]
    lines += [table(pareto_frame(points, metrics, factors, template)), ""]
    lines += [f"{len(front)} of {len(points)} configurations are on the front"
              + (f"; {100 * robust:.0f}% of them stay on it in at least 95% of the resamples" if robust is not None
                 else "") + "."]
    if wobbly:
        lines += [" ".join(f"{curve_label(p.params, factors, template)} is non-dominated in "
                           f"{100 * p.front_share:.0f}% of the resamples;" for p in wobbly)
                  + " the seeds cannot place these on or off the front: more seeds would."]
    return lines + [""]
