"""ablation.png: one panel per varied factor, score per level with the spread over its trials."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from .style import DPI, FIGSIZE, score_label


def plot_ablation(table: dict[str, list[dict[str, Any]]], path: Path, title: str, maximize: bool,
                  metric: str, band: str) -> None:
    factors = list(table)
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(FIGSIZE[0], max(FIGSIZE[1], 3.6 * nrows)), dpi=DPI,
                             layout="constrained", squeeze=False)
    for ax in axes.flat[len(factors):]:
        ax.set_visible(False)
    for ax, factor in zip(axes.flat, factors):
        rows = table[factor]
        xs = range(len(rows))
        for x, row in zip(xs, rows):
            colour = "tab:red" if row["is_best"] else "tab:blue"
            spread = ((row["mean"] - row["min"], row["max"] - row["mean"]) if band == "minmax"
                      else (row["std"], row["std"]))
            ax.errorbar([x], [row["mean"]], yerr=[[spread[0]], [spread[1]]], fmt="o", ms=9, color=colour,
                        capsize=6, lw=2, zorder=3)
            # single trials in a column left of the mean, spread a little so equal scores stay visible
            count = len(row["scores"])
            jitter = [x - 0.22 + 0.08 * (i / max(1, count - 1) - 0.5) for i in range(count)]
            ax.scatter(jitter, row["scores"], s=14, color="0.35", alpha=0.7, zorder=4)
            ax.annotate(f"{row['mean']:.1f}\nn={row['n']}", (x, row["mean"]), xytext=(12, 0),
                        textcoords="offset points", va="center", fontsize=8)
        long = max(len(r["level"]) for r in rows) > 10
        ax.set_xticks(list(xs), [r["level"] for r in rows],
                      rotation=25 if long else 0, ha="right" if long else "center", fontsize=8)
        ax.set_xlim(-0.6, len(rows) - 0.3)
        ax.set_title(factor, fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(score_label(maximize, f"{metric} validation score"))
    spread_text = "min-max" if band == "minmax" else "\u00b1 1 std"
    fig.suptitle(f"{title}\nmean per level (red: best), bars: {spread_text} over trials, dots: single trials",
                 fontsize=11)
    fig.savefig(path)
    plt.close(fig)
