"""curves.png: validation score versus training steps, one line per configuration (report Figs. 1-2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from .style import DPI, END_MARKERS, FIGSIZE, STEPS_LABEL, palette, score_label, wants_log_scale

LINESTYLES = ["-", "--", ":", "-."]


def plot_curves(lines: list[dict[str, Any]], path: Path, title: str, maximize: bool,
                no_curve_note: str = "") -> None:
    colours = palette(max([ln["colour_group"] for ln in lines], default=0) + 1)
    legend_rows = len(lines) + len({m["reason"] for ln in lines for m in ln["end_markers"]}) + bool(no_curve_note)
    ncol = 2 if legend_rows > 4 else 1
    height = FIGSIZE[1] + 0.22 * max(0, -(-legend_rows // ncol) - 3)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], height), dpi=DPI, layout="constrained")
    handles, reasons = [], []
    all_values: list[float] = []
    for ln in lines:
        colour = colours[ln["colour_group"]]
        style = LINESTYLES[ln["style_group"] % len(LINESTYLES)]
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
        (h,) = ax.plot(ln["steps"], shown, color=colour, ls=style, lw=width, alpha=alpha, zorder=z, label=label)
        handles.append(h)
        for end in ln["end_markers"]:
            marker = END_MARKERS[end["reason"]][0]
            ax.plot([end["step"]], [end["value"]], marker=marker, ms=10, color=colour, mec="black",
                    mew=1.0, ls="none", zorder=5)
            if end["reason"] not in reasons:
                reasons.append(end["reason"])
    for reason in reasons:
        marker, text = END_MARKERS[reason]
        handles.append(Line2D([], [], marker=marker, ms=9, color="0.6", mec="black", ls="none", label=text))
    if no_curve_note:
        handles.append(Line2D([], [], ls="none", label=no_curve_note))
    if wants_log_scale(all_values):
        ax.set_yscale("log")
    ax.set_xlabel(STEPS_LABEL)
    ax.set_ylabel(score_label(maximize))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=9, frameon=False)
    fig.savefig(path)
    plt.close(fig)
