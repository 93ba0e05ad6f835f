"""history.png: every trial's score in trial order (pruned, failed and running ones too), and the best
completed score so far; drawn here rather than by Optuna so it shares the other figures' look."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .records import StudyTrial
from .style import DPI, END_MARKERS, FIGSIZE, score_label

COMPLETE_COLOUR, BEST_COLOUR = "tab:blue", "tab:red"


def plot_history(records: list[StudyTrial], path: Path, title: str, maximize: bool,
                 axis_text: str = "final validation score") -> list[int]:
    """Returns the trial numbers drawn (a trial with no score at all, e.g. pruned for memory before any
    step, is named in the legend instead)."""
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    handles, drawn, silent = [], [], []
    complete = [r for r in records if r.state == "COMPLETE" and r.final is not None]
    ax.scatter([r.number for r in complete], [r.final for r in complete], s=36, color=COMPLETE_COLOUR, zorder=3)
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
    if complete:
        best, xs, ys = None, [], []
        for r in sorted(complete, key=lambda r: r.number):
            best = r.final if best is None else (max if maximize else min)(best, r.final)
            xs.append(r.number)
            ys.append(best)
        ax.step(xs, ys, where="post", color=BEST_COLOUR, lw=2, zorder=2)
        handles.append(Line2D([], [], color=BEST_COLOUR, lw=2, label="best completed so far"))
    if silent:
        handles.append(Line2D([], [], ls="none", label=f"no score: trial(s) {', '.join(map(str, silent))}"))
    numbers = [r.number for r in records]
    ax.set_xlim(min(numbers) - 0.5, max(numbers) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial number")
    ax.set_ylabel(score_label(maximize, axis_text))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    fig.savefig(path)
    plt.close(fig)
    return sorted(drawn)
