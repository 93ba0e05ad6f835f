"""curves.png: validation score versus training steps, one line per configuration (report Figs. 1-2);
curves_time.png: the same against wall-clock time (a rescued model pays for its recomputation there).

Colour = the first grouping factor; line style (and, past four, a marker) = the other searched values.
End-of-curve markers are drawn the same on the plot and in the legend: white with a black edge, the
shape telling how the run ended, placed at the end of its coloured line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from .style import DPI, END_MARKERS, FIGSIZE, STEPS_LABEL, TIME_LABEL, palette, score_label, wants_log_scale

LINESTYLES = ["-", "--", ":", "-."]
MARKS = [None, "o", "s", "^"]  # after the four line styles, the same styles with markers


def line_style(index: int) -> tuple[str, str | None]:
    return LINESTYLES[index % len(LINESTYLES)], MARKS[(index // len(LINESTYLES)) % len(MARKS)]


def plot_curves(lines: list[dict[str, Any]], path: Path, title: str, maximize: bool,
                no_curve_note: str = "", axis_text: str = "validation score", x: str = "steps") -> None:
    """x: "steps", or "times" (wall-clock seconds; lines without a recorded time are left out)."""
    if x == "times":
        lines = [dict(ln, steps=ln["times"], end_markers=_timed(ln)) for ln in lines if ln.get("times")]
    colours = palette(max([ln["colour_group"] for ln in lines], default=0) + 1)
    legend_rows = len(lines) + len({m["reason"] for ln in lines for m in ln["end_markers"]}) + bool(no_curve_note)
    longest = max([len(ln["label"]) for ln in lines], default=0)
    ncol = 2 if legend_rows > 4 and longest <= 48 else 1  # long labels would be cut off in two columns
    height = FIGSIZE[1] + 0.25 * max(0, -(-legend_rows // ncol) - 3)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], height), dpi=DPI, layout="constrained")
    handles, reasons = [], []
    all_values: list[float] = []
    for ln in lines:
        colour = colours[ln["colour_group"]]
        style, mark = line_style(ln["style_group"])
        width, alpha, z = (3.0, 1.0, 4) if ln["is_best"] else (1.5, 0.8, 2)
        shown = ln["smoothed"] or ln["values"]
        if ln["smoothed"]:
            ax.plot(ln["steps"], ln["values"], color=colour, lw=0.8, alpha=0.25, zorder=1)
        if ln["band_low"]:
            ax.fill_between(ln["steps"], ln["band_low"], ln["band_high"], color=colour, alpha=0.15, lw=0)
            all_values += ln["band_low"] + ln["band_high"]
        all_values += ln["values"]
        label = ln["label"] + (f" (mean of {ln['repeats']})" if ln["repeats"] > 1 else "")
        label += "  [best]" if ln["is_best"] else ""
        (h,) = ax.plot(ln["steps"], shown, color=colour, ls=style, lw=width, alpha=alpha, zorder=z, label=label,
                       marker=mark, ms=4, markevery=max(1, len(shown) // 8))
        handles.append(h)
        for end in ln["end_markers"]:
            marker = END_MARKERS[end["reason"]][0]
            ax.plot([end["step"]], [end["value"]], marker=marker, ms=10, mfc="white", mec="black",
                    mew=1.2, ls="none", zorder=5)
            if end["reason"] not in reasons:
                reasons.append(end["reason"])
    for reason in reasons:
        marker, text = END_MARKERS[reason]
        handles.append(Line2D([], [], marker=marker, ms=9, mfc="white", mec="black", mew=1.2, ls="none",
                              label=text))
    if no_curve_note:
        handles.append(Line2D([], [], ls="none", label=no_curve_note))
    if wants_log_scale(all_values):
        ax.set_yscale("log")
    ax.set_xlabel(STEPS_LABEL if x == "steps" else TIME_LABEL)
    ax.set_ylabel(score_label(maximize, axis_text))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=9, frameon=False)
    fig.savefig(path)
    plt.close(fig)


def _timed(line: dict[str, Any]) -> list[dict[str, Any]]:
    """End markers moved onto the time axis (each member's own seconds per step)."""
    per_step = line["times"][-1] / line["steps"][-1] if line["steps"] and line["steps"][-1] else 0.0
    return [dict(m, step=m["step"] * per_step) for m in line["end_markers"]]
