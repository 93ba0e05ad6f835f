"""ablation.png: one panel per varied factor, each level's mean score with its 95% interval over trials.

A level takes its colour from curves.png (the colouring factor's levels; other factors' levels are
drawn in one neutral colour). The level with the best mean is called best, with a black edge, only
when compare() shows it better than every other level; otherwise it is labelled "best mean, not
resolved". Each mean is printed with two decimals and its unit. The y axis spans the scores and
their CIs, padded by a tenth of that span and never less than MIN_SPAN_MM, so that a panel of
close levels is not magnified into looking decisive (the CIs show the noise). The blind baseline (the
training set's mean hand) is the dashed chance line; the range takes it in when that at most
CHANCE_ZOOM-folds the span, else its label stands at the panel's edge (blind_line.py).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from .blind_line import chance_legend, draw_chance_lines
from ..factors import axis_label, short_name
from .style import DPI, FIGSIZE, NEUTRAL, save_figure, score_label

MIN_SPAN_MM = 2.0
PAD_SHARE = 0.10  # of the scores' and CIs' span, above and below
BEST_EDGE = "black"
CHANCE_ZOOM = 4.0  # the chance line is taken into a panel's range when the span grows at most this much


def level_note(row: dict[str, Any]) -> str:
    """The text next to a level's mean: '48.86 mm\\nn=4', plus what its mark means."""
    note = f"{row['mean']:.2f} mm\nn={row['n']}" + ("" if row["ci"].known else ", no CI")
    if row.get("is_best"):
        note += "\nbest (resolved)"
    elif row.get("is_leader"):
        note += "\nbest mean,\nnot resolved"
    return note


def plot_ablation(table: dict[str, list[dict[str, Any]]], path: Path, title: str, maximize: bool,
                  metric: str, axis_text: str, blind: list = ()) -> None:
    """blind: report/blind.py's BlindValues, drawn as chance lines."""
    factors = list(table)
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(FIGSIZE[0], max(FIGSIZE[1], 3.8 * nrows + 1.2)), dpi=DPI,
                             layout="constrained", squeeze=False)
    for ax in axes.flat[len(factors):]:
        ax.set_visible(False)
    for ax, factor in zip(axes.flat, factors):
        rows = table[factor]
        xs = range(len(rows))
        for x, row in zip(xs, rows):
            colour = row.get("colour") or NEUTRAL
            edge = dict(mec=BEST_EDGE, mew=2.5) if row.get("is_best") else dict(mec=colour, mew=2)
            ci = row["ci"]
            if ci.known:
                ax.errorbar([x], [row["mean"]], yerr=[[row["mean"] - ci.low], [ci.high - row["mean"]]], fmt="o",
                            ms=10 if row.get("is_best") else 9, color=colour, capsize=6, lw=2, zorder=3, **edge)
            else:  # one trial: no interval to draw, and the hollow mark says so
                ax.plot([x], [row["mean"]], "o", ms=9, mfc="white", zorder=3, **edge)
            # single trials in a column left of the mean, spread a little so equal scores stay visible
            count = len(row["scores"])
            jitter = [x - 0.22 + 0.08 * (i / max(1, count - 1) - 0.5) for i in range(count)]
            ax.scatter(jitter, row["scores"], s=14, color="0.45", alpha=0.8, zorder=4)
            ax.annotate(level_note(row), (x, row["mean"]), xytext=(12, 0), textcoords="offset points",
                        va="center", fontsize=8, fontweight="bold" if row.get("is_best") else "normal")
        ax.set_ylim(*y_limits(rows, [b.value for b in blind]))
        ticks = [r.get("tick", r["level"]) for r in rows]
        crowded = sum(len(t) for t in ticks) > 60 / ncols
        ax.set_xticks(list(xs), ticks, rotation=20 if crowded else 0, ha="right" if crowded else "center",
                      fontsize=8)
        ax.set_xlim(-0.6, len(rows) - 0.25)
        ax.set_xlabel(axis_label(factor), fontsize=9)
        ax.set_title(short_name(factor), fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
        draw_chance_lines(ax, list(blind))
    for ax in axes[:, 0]:
        ax.set_ylabel(score_label(maximize, f"{metric} {axis_text}"), fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.legend(handles=legend_handles(table) + chance_legend(list(blind)), loc="outside lower center", ncol=2,
               fontsize=8, frameon=False)
    save_figure(fig, path)
    plt.close(fig)


def legend_handles(table: dict[str, list[dict[str, Any]]]) -> list[Line2D]:
    """What each mark means (the figure has no other key)."""
    rows = [row for rows in table.values() for row in rows]
    handles = [
        Line2D([], [], marker="o", color=NEUTRAL, ms=7, lw=1.5,
               label="mean of a level's trials, bar: 95% CI over them (t)"),
        Line2D([], [], marker="o", color="0.45", ms=4, ls="none", alpha=0.8,
               label="single trials" + (" (the other factors' levels pooled)" if len(table) > 1 else " (seeds)")),
    ]
    if any(not row["ci"].known for row in rows):
        handles.append(Line2D([], [], marker="o", mfc="white", mec=NEUTRAL, mew=2, ms=7, ls="none",
                              label="hollow: one trial, no CI"))
    if any(row.get("is_best") for row in rows):
        handles.append(Line2D([], [], marker="o", color=NEUTRAL, mec=BEST_EDGE, mew=2.5, ms=8, ls="none",
                              label="black edge: best, better than every other level (95%, Holm-corrected)"))
    if any(row.get("is_leader") and not row.get("is_best") for row in rows):
        handles.append(Line2D([], [], ls="none", label="best mean, not resolved: not shown better than "
                                                      "every other level (95%, Holm-corrected)"))
    return handles


def y_limits(rows: list[dict[str, Any]], chance: list[float] = ()) -> tuple[float, float]:
    """The panel's y range: the scores and CIs (never cut off), padded by PAD_SHARE of their span,
    widened to MIN_SPAN_MM around their middle, and widened to the chance values where that at most
    CHANCE_ZOOM-folds the span. Not from the per-trial validation noise (val SE), which is not the
    noise of a comparison between levels."""
    low = min(min(r["scores"]) for r in rows)
    high = max(max(r["scores"]) for r in rows)
    for r in rows:
        if r["ci"].known:
            low, high = min(low, r["ci"].low), max(high, r["ci"].high)
    pad = PAD_SHARE * (high - low)
    low, high = low - pad, high + pad
    if high - low < MIN_SPAN_MM:
        mid = (low + high) / 2
        low, high = mid - MIN_SPAN_MM / 2, mid + MIN_SPAN_MM / 2
    for value in chance:
        wide_low, wide_high = min(low, value - PAD_SHARE * (high - low)), max(high, value + PAD_SHARE * (high - low))
        if wide_high - wide_low <= CHANCE_ZOOM * (high - low):
            low, high = wide_low, wide_high
    return low, high
