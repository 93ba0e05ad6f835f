"""history.png: every trial's score in trial order (pruned, failed and running ones too), and the best
completed score so far; drawn here rather than by Optuna so it shares the other figures' look.

With seeds (a configuration with >= 2 trials: `repeats`, or a race) the points take their
configuration's colour (its level's colour in every figure) and marker from curves.png, and the red line is the best configuration MEAN
so far, not the best single trial: the best of many seeds is a lucky seed, not a configuration. The
dashed chance line is the blind baseline (the training set's mean hand, blind_line.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .blind_line import chance_legend, draw_chance_lines
from ..factors import level_label
from ...results import best_key
from ..records.records import StudyTrial
from .style import DPI, END_MARKERS, FIGSIZE, save_figure, score_label

COMPLETE_COLOUR, BEST_COLOUR, OTHER_COLOUR = "tab:blue", "tab:red", "0.6"
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def best_mean_so_far(records: list[StudyTrial], maximize: bool) -> tuple[list[int], list[float]]:
    """After each completed trial (in trial order): the mean final score of the best configuration so
    far (results' ranking). Step-line points (trial numbers, values)."""
    done: dict[str, list[float]] = {}
    xs, ys = [], []
    for r in sorted((r for r in records if r.state == "COMPLETE" and r.final is not None), key=lambda r: r.number):
        done.setdefault(r.config_key, []).append(r.final)
        xs.append(r.number)
        best = done[best_key(done, maximize)]
        ys.append(sum(best) / len(best))
    return xs, ys


def plot_history(records: list[StudyTrial], path: Path, title: str, maximize: bool,
                 axis_text: str = "final validation score", lines: Optional[list[dict]] = None,
                 colour_factor: Optional[str] = None, blind: list = ()) -> list[int]:
    """Returns the trial numbers drawn (a trial with no score at all, e.g. pruned for memory before any
    step, is named in the legend instead). `lines`: curves.png's lines (curves_data.curve_lines), whose
    labels, colours and styles the points take when configurations have several seeds; with one seed
    each, the points take their level's colour of `colour_factor` (the colour it has in every figure).
    blind: report/blind.py's BlindValues, drawn as chance lines."""
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    handles, drawn, silent = [], [], []
    complete = [r for r in records if r.state == "COMPLETE" and r.final is not None]
    by_config = bool(lines) and any(line["repeats"] > 1 for line in lines)
    if by_config:
        handles += _scatter_by_configuration(ax, complete, lines)
    elif lines and colour_factor:
        handles += _scatter_by_level(ax, complete, lines, colour_factor)
    else:
        ax.scatter([r.number for r in complete], [r.final for r in complete], s=36, color=COMPLETE_COLOUR,
                   zorder=3)
        handles.append(Line2D([], [], marker="o", color=COMPLETE_COLOUR, ls="none", label="completed: final score"))
    drawn += [r.number for r in complete]
    for reason, (marker, text) in END_MARKERS.items():
        ended = [r for r in records if r.end == reason]
        scored = [r for r in ended if r.final is not None]
        silent += [r.number for r in ended if r.final is None]
        if scored:
            ax.scatter([r.number for r in scored], [r.final for r in scored], marker=marker, s=60, facecolor="white",
                       edgecolor="black", linewidth=1.2, zorder=4)
            handles.append(Line2D([], [], marker=marker, mfc="white", mec="black", mew=1.2, ls="none",
                                  label=f"{text}: last score"))
            drawn += [r.number for r in scored]
    if complete and by_config:
        xs, ys = best_mean_so_far(records, maximize)
        ax.step(xs, ys, where="post", color=BEST_COLOUR, lw=2, zorder=2)
        handles.append(Line2D([], [], color=BEST_COLOUR, lw=2, label="best configuration mean so far"))
    elif complete:
        best, xs, ys = None, [], []
        for r in sorted(complete, key=lambda r: r.number):
            best = r.final if best is None else (max if maximize else min)(best, r.final)
            xs.append(r.number)
            ys.append(best)
        ax.step(xs, ys, where="post", color=BEST_COLOUR, lw=2, zorder=2)
        handles.append(Line2D([], [], color=BEST_COLOUR, lw=2, label="best completed so far"))
    handles += chance_legend(list(blind))
    if silent:
        handles.append(Line2D([], [], ls="none", label=f"no score: trial(s) {', '.join(map(str, silent))}"))
    numbers = [r.number for r in records]
    ax.set_xlim(min(numbers) - 0.5, max(numbers) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    draw_chance_lines(ax, list(blind))
    ax.set_xlabel("trial number")
    ax.set_ylabel(score_label(maximize, axis_text))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    save_figure(fig, path)
    plt.close(fig)
    return sorted(drawn)


def _scatter_by_level(ax, complete: list[StudyTrial], lines: list[dict], factor: str) -> list[Line2D]:
    """Completed trials in their level's colour (one legend entry per level of the colouring factor)."""
    colour_of = {number: line["colour"] for line in lines for number in line["trials"]}
    label_of = {line["colour"]: level_label(factor, line["params"][factor]) for line in lines
                if factor in line["params"]}
    handles = []
    for colour in dict.fromkeys(colour_of.get(r.number, OTHER_COLOUR) for r in complete):
        mine = [r for r in complete if colour_of.get(r.number, OTHER_COLOUR) == colour]
        ax.scatter([r.number for r in mine], [r.final for r in mine], s=36, color=colour, zorder=3)
        label = label_of.get(colour, "other configurations") if colour != OTHER_COLOUR else "other configurations"
        handles.append(Line2D([], [], marker="o", color=colour, ls="none", label=f"completed, {label}: final score"))
    return handles


def _scatter_by_configuration(ax, complete: list[StudyTrial], lines: list[dict]) -> list[Line2D]:
    """Completed trials in their curves.png colour (and a marker per line style); trials of
    configurations curves.png leaves out (top_k) in grey. Returns the legend handles."""
    looks = {}
    for line in lines:
        look = (line["colour"], MARKERS[line["style_group"] % len(MARKERS)], line["label"])
        looks.update({number: look for number in line["trials"]})
    handles = []
    for colour, marker, label in dict.fromkeys(looks.values()):
        mine = [r for r in complete if looks.get(r.number) == (colour, marker, label)]
        if mine:
            ax.scatter([r.number for r in mine], [r.final for r in mine], s=36, color=colour, marker=marker, zorder=3)
            handles.append(Line2D([], [], marker=marker, color=colour, ls="none", label=label))
    others = [r for r in complete if r.number not in looks]
    if others:
        ax.scatter([r.number for r in others], [r.final for r in others], s=30, color=OTHER_COLOUR, zorder=3)
        handles.append(Line2D([], [], marker="o", color=OTHER_COLOUR, ls="none", label="other configurations"))
    return handles
