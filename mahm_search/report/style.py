"""Shared look of the report's figures: size, axis texts with units, end-of-curve markers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window (headless servers, CI)

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


def score_label(maximize: bool, what: str = "validation score") -> str:
    return f"{what} (mm, {'higher' if maximize else 'lower'} is better)"


def palette(n: int) -> list:
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(max(n, 1))]


def wants_log_scale(values: list[float]) -> bool:
    """A log y axis when the scores span more than ~20x (e.g. a diverged run next to good ones)."""
    positive = [v for v in values if v > 0]
    return len(positive) == len(values) and bool(positive) and max(positive) / min(positive) > 20
