"""curves.png: validation score versus training steps, one line per configuration (report Figs. 1-2);
curves_time.png: the same against wall-clock time (a rescued model pays for its recomputation there).

Colour = the level of the first grouping factor (the same colour as in ablation.png); line style
(and, past four, a marker) = the other searched values. The shaded band's kind (min-max or +-1 std
over seeds) is a legend entry. Every line is drawn alike unless compare() resolves the leader against
every other configuration (then it is drawn thick and called best); an unresolved leader is only
named "best mean (not resolved)". End-of-curve markers are drawn the same on the plot and in the
legend: white with a black edge, the shape telling how the run ended, at the end of its line. The blind
baseline (the training set's mean hand) is the dashed chance line (blind_line.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .blind_line import chance_legend, chance_text, draw_chance_lines
from ..factors import factor_notes
from .style import DPI, END_MARKERS, FIGSIZE, STEPS_LABEL, TIME_LABEL, save_figure, score_label, wants_log_scale

LINESTYLES = ["-", "--", ":", "-."]
MARKS = [None, "o", "s", "^"]  # after the four line styles, the same styles with markers


def line_style(index: int) -> tuple[str, str | None]:
    return LINESTYLES[index % len(LINESTYLES)], MARKS[(index // len(LINESTYLES)) % len(MARKS)]


BEST_NOTE = "best: better than every other line (95%, Holm-corrected)"
LEADER_NOTE = "best mean (not resolved)"
LEADER_EXPLAINED = "not resolved: not shown better than every other line (95%, Holm-corrected)"
BAND_TEXT = {"minmax": "min\u2013max over the seeds", "std": "mean \u00b1 1 std over the seeds"}


def legend_labels(lines: list[dict[str, Any]]) -> list[str]:
    """Each line's legend entry: its label, how many seeds it averages (when that differs between
    lines; else band_text says it once), and whether it leads."""
    counts = {ln["repeats"] for ln in lines}
    out = []
    for ln in lines:
        label = ln["label"]
        if len(counts) > 1:
            label += f" (mean of {ln['repeats']} seeds)" if ln["repeats"] > 1 else " (one seed)"
        if ln.get("is_best"):
            label += f" \u2014 {BEST_NOTE}"
        elif ln.get("is_leader"):
            label += f" \u2014 {LEADER_NOTE}"
        out.append(label)
    return out


def band_text(lines: list[dict[str, Any]]) -> str:
    """The legend entry for the shaded bands ('' when no line has one): what a line and its band are."""
    kinds = sorted({ln["band"] for ln in lines if ln.get("band_low")})
    if not kinds:
        return ""
    counts = sorted({ln["repeats"] for ln in lines})
    seeds = f"its {counts[0]} seeds" if len(counts) == 1 else "its seeds"
    band = "; ".join(BAND_TEXT.get(k, f"{k} over the seeds") for k in kinds)
    return f"line: mean over {seeds}; shaded band: {band}"


def plot_curves(lines: list[dict[str, Any]], path: Path, title: str, maximize: bool,
                no_curve_note: str = "", axis_text: str = "validation score", x: str = "steps",
                factors: tuple[str, ...] | list[str] = (), blind: list = ()) -> None:
    """x: "steps", or "times" (wall-clock seconds; lines without a recorded time are left out).
    factors: the varied factors, whose explanations head the legend. blind: report/blind.py's
    BlindValues, drawn as chance lines."""
    if x == "times":
        lines = [dict(ln, steps=ln["times"], end_markers=_timed(ln)) for ln in lines if ln.get("times")]
    labels = legend_labels(lines)
    band = band_text(lines)
    unresolved = any(ln.get("is_leader") and not ln.get("is_best") for ln in lines)
    legend_rows = (len(lines) + len({m["reason"] for ln in lines for m in ln["end_markers"]}) + bool(no_curve_note)
                   + bool(band) + unresolved + bool(blind))
    notes_shown = [band, no_curve_note, LEADER_EXPLAINED if unresolved else "", chance_text(list(blind))]
    longest = max([len(label) for label in labels + notes_shown], default=0)
    ncol = 2 if legend_rows > 4 and longest <= 48 else 1  # long labels would be cut off in two columns
    notes = factor_notes(factors)
    height = FIGSIZE[1] + 0.25 * max(0, -(-legend_rows // ncol) + len(notes) - 3)
    fig, ax = plt.subplots(figsize=(FIGSIZE[0], height), dpi=DPI, layout="constrained")
    handles, reasons = [], []
    all_values: list[float] = []
    for ln, label in zip(lines, labels):
        colour = ln.get("colour") or "tab:blue"
        style, mark = line_style(ln["style_group"])
        width, alpha, z = (3.2, 1.0, 4) if ln["is_best"] else (1.8, 0.9, 2)
        shown = ln["smoothed"] or ln["values"]
        if ln["smoothed"]:
            ax.plot(ln["steps"], ln["values"], color=colour, lw=0.8, alpha=0.25, zorder=1)
        if ln["band_low"]:
            ax.fill_between(ln["steps"], ln["band_low"], ln["band_high"], color=colour, alpha=0.15, lw=0)
            all_values += ln["band_low"] + ln["band_high"]
        all_values += ln["values"]
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
    if band:
        handles.append(Patch(facecolor="0.5", alpha=0.3, lw=0, label=band))
    handles += chance_legend(list(blind))
    if unresolved:
        handles.append(Line2D([], [], ls="none", label=LEADER_EXPLAINED))
    if no_curve_note:
        handles.append(Line2D([], [], ls="none", label=no_curve_note))
    if wants_log_scale(all_values):
        ax.set_yscale("log")
    draw_chance_lines(ax, list(blind))
    ax.set_xlabel(STEPS_LABEL if x == "steps" else TIME_LABEL)
    ax.set_ylabel(score_label(maximize, axis_text))
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=9, frameon=False,
               title="\n".join(notes) or None, title_fontsize=9, alignment="left")
    save_figure(fig, path)
    plt.close(fig)


def _timed(line: dict[str, Any]) -> list[dict[str, Any]]:
    """End markers moved onto the time axis (each member's own seconds per step)."""
    per_step = line["times"][-1] / line["steps"][-1] if line["steps"] and line["steps"][-1] else 0.0
    return [dict(m, step=m["step"] * per_step) for m in line["end_markers"]]
