"""ablation.png: one panel per varied factor, each level's mean score with its 95% interval over trials.

The y axis never spans less than MIN_SPAN_MM, nor less than four times the widest validation-noise
interval, so that differences smaller than the noise do not fill the panel and look decisive.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from .style import DPI, FIGSIZE, score_label

MIN_SPAN_MM = 4.0


def plot_ablation(table: dict[str, list[dict[str, Any]]], path: Path, title: str, maximize: bool,
                  metric: str, axis_text: str) -> None:
    factors = list(table)
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(FIGSIZE[0], max(FIGSIZE[1], 3.8 * nrows)), dpi=DPI,
                             layout="constrained", squeeze=False)
    for ax in axes.flat[len(factors):]:
        ax.set_visible(False)
    for ax, factor in zip(axes.flat, factors):
        rows = table[factor]
        xs = range(len(rows))
        for x, row in zip(xs, rows):
            colour = "tab:red" if row["is_best"] else "tab:blue"
            ci = row["ci"]
            if ci.known:
                ax.errorbar([x], [row["mean"]], yerr=[[row["mean"] - ci.low], [ci.high - row["mean"]]], fmt="o",
                            ms=9, color=colour, capsize=6, lw=2, zorder=3)
            else:  # one trial: no interval to draw, and the mark says so
                ax.plot([x], [row["mean"]], "o", ms=9, mfc="white", mec=colour, mew=2, zorder=3)
            # single trials in a column left of the mean, spread a little so equal scores stay visible
            count = len(row["scores"])
            jitter = [x - 0.22 + 0.08 * (i / max(1, count - 1) - 0.5) for i in range(count)]
            ax.scatter(jitter, row["scores"], s=14, color="0.35", alpha=0.7, zorder=4)
            note = f"{row['mean']:.1f}\nn={row['n']}" + ("" if ci.known else "\nno CI")
            ax.annotate(note, (x, row["mean"]), xytext=(12, 0), textcoords="offset points", va="center", fontsize=8)
        ax.set_ylim(*y_limits(rows))
        long = max(len(r["level"]) for r in rows) > 10
        ax.set_xticks(list(xs), [r["level"] for r in rows],
                      rotation=25 if long else 0, ha="right" if long else "center", fontsize=8)
        ax.set_xlim(-0.6, len(rows) - 0.3)
        ax.set_title(factor, fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(score_label(maximize, f"{metric} {axis_text}"), fontsize=9)
    fig.suptitle(f"{title}\nmean per level (red: best mean), bars: 95% CI over its trials (t), "
                 f"hollow: n=1, no CI; dots: single trials", fontsize=10)
    fig.savefig(path)
    plt.close(fig)


def y_limits(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """The panel's y range: the scores and CIs, widened to the minimum span around their middle."""
    low = min(min(r["scores"]) for r in rows)
    high = max(max(r["scores"]) for r in rows)
    for r in rows:
        if r["ci"].known:
            low, high = min(low, r["ci"].low), max(high, r["ci"].high)
    noise = max((4 * 1.96 * r["val_se"] for r in rows if r.get("val_se")), default=0.0)
    span = max(high - low, MIN_SPAN_MM, noise) * 1.15
    mid = (low + high) / 2
    return mid - span / 2, mid + span / 2
