"""Shared look of the report's figures: size, axis texts with units, end-of-curve markers, the one
colour per level that every figure uses, and how figures are saved (embeddable fonts, reproducible
files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window (headless servers, CI)

# Fonts a paper can embed: TrueType (Type 42) in PDF/PS instead of Type 3, which many venues reject;
# SVG text kept as text (searchable, editable) rather than paths; SVG ids that do not change per run.
FONT_RC = {"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "mahm-search"}
matplotlib.rcParams.update(FONT_RC)

FIGSIZE = (9.0, 5.5)  # inches
DPI = 120
STEPS_LABEL = "training steps"
TIME_LABEL = "wall-clock time (s; at each step: steps x the trial's mean seconds per step)"

# marker, description for the legend; one per way a curve can end early (records.END_REASONS)
END_MARKERS = {
    "memory": ("X", "stopped: over the memory limit"),
    "oom": ("s", "stopped: out of memory (OOM)"),
    "nan": ("^", "stopped: loss became NaN"),
    "pruner": ("o", "pruned: not promising (pruner)"),
    "failed": ("*", "failed with an error"),
    "running": (">", "still running"),
}

# Colours a level may take: tab10 without red (history.png's "best so far" line) and grey
# (configurations left out, single trials); tab20's pairs of the same hues past eight levels.
_TAB10_LEVELS = (0, 1, 2, 4, 5, 6, 8, 9)
_TAB20_LEVELS = (0, 2, 4, 8, 10, 12, 16, 18, 1, 3, 5, 9, 11, 13, 17, 19)
NEUTRAL = "#404040"  # levels of a factor that does not colour the curves (its ablation panel)


def score_label(maximize: bool, what: str = "validation score") -> str:
    return f"{what} (mm, {'higher' if maximize else 'lower'} is better)"


def palette(n: int) -> list[str]:
    """n colours, as hex strings (JSON-ready); never red or grey."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    if n <= len(_TAB10_LEVELS):
        cmap, order = plt.get_cmap("tab10"), _TAB10_LEVELS
    else:
        cmap, order = plt.get_cmap("tab20"), _TAB20_LEVELS
    return [to_hex(cmap(order[i % len(order)])) for i in range(max(n, 1))]


def level_colours(values: Iterable[Any]) -> dict[str, str]:
    """One colour per level of the colouring factor, keyed by repr(value), in level order
    (factors.level_sort_key): curves.png, ablation.png and history.png all take a level's colour
    from here, so a colour means the same level in every figure of a report."""
    from ..factors import level_sort_key

    distinct = {repr(v): v for v in values}
    keys = sorted(distinct, key=lambda k: level_sort_key(distinct[k]))
    return dict(zip(keys, palette(len(keys))))


def save_figure(fig, path: Path) -> None:
    """Save without the creation date, so the same study gives byte-identical PDF/SVG files."""
    suffix = Path(path).suffix.lower()
    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(suffix.lstrip("."))
    fig.savefig(path, metadata=metadata)


def wants_log_scale(values: list[float]) -> bool:
    """A log y axis when the scores span more than ~20x (e.g. a diverged run next to good ones)."""
    positive = [v for v in values if v > 0]
    return len(positive) == len(values) and bool(positive) and max(positive) / min(positive) > 20
