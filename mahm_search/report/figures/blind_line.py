"""The blind baseline's chance line, drawn alike in every figure: a dashed dark line across the axes at
the mean hand's score, labelled with its value at its right end ("blind: mean hand, 54.49 mm"), and
one legend entry saying what it is. Where a panel's range leaves it out (an ablation panel zoomed on
close levels), its label is written at the panel's edge with an arrow, so the figure still says how
far from chance the scores are."""

from __future__ import annotations

from matplotlib.lines import Line2D

from ..blind import BlindValue

STYLE = {"color": "0.15", "ls": (0, (6, 3)), "lw": 1.4}
LEGEND_TEXT = "blind: the training set's mean hand (chance level)"


def draw_chance_lines(ax, values: list[BlindValue]) -> None:
    """Axes that autoscale grow to take the line in; axes with fixed limits (set before) keep them, and
    a value outside them gets its label at the edge instead."""
    for v in values:
        ax.axhline(v.value, zorder=1.5, **STYLE)
    low, high = sorted(ax.get_ylim())
    for v in values:
        label = v.label + (f" ({v.trials} trials)" if len(values) > 1 else "")
        if low <= v.value <= high:
            # the label goes under a line near the top (axes fraction, log axes included)
            near_top = ax.transAxes.inverted().transform(ax.transData.transform((0, v.value)))[1] > 0.9
            ax.annotate(label, xy=(1, v.value), xycoords=("axes fraction", "data"), xytext=(-4, -3 if near_top else 3),
                        textcoords="offset points", ha="right", va="top" if near_top else "bottom", fontsize=8,
                        color=STYLE["color"])
        else:
            above = v.value > high
            where = "\u2191 above" if above else "\u2193 below"
            ax.annotate(f"{label} {where} this panel", xy=(1, 1 if above else 0), xycoords="axes fraction",
                        xytext=(-4, -3 if above else 3), textcoords="offset points", ha="right",
                        va="top" if above else "bottom", fontsize=8, color=STYLE["color"])


def chance_text(values: list[BlindValue]) -> str:
    """The legend entry's text ('' when no trial recorded a blind baseline)."""
    return LEGEND_TEXT if values else ""


def chance_legend(values: list[BlindValue]) -> list[Line2D]:
    """The legend entry, or none when no trial recorded a blind baseline."""
    return [Line2D([], [], label=LEGEND_TEXT, **STYLE)] if values else []
