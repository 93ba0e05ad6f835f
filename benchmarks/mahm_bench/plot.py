"""One figure of a replay's results: per task, the share of correct replays against compute, and the
anytime regret of the chosen configuration, one line per contender (log compute axis)."""

from __future__ import annotations

import os
from pathlib import Path


def plot_results(results: dict, tasks: list, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = results["grid_s"]
    panels = list(tasks) + (["regret"] if "best" in tasks else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.4), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for name, per in results["methods"].items():
            if panel == "regret":
                ys = [float("nan") if v is None else v for v in per["best"]["regret_mm"]]
            else:
                ys = per[panel]["p_correct"]
            ax.plot(grid, ys, label=name)
        ax.set_xscale("log")
        ax.set_xlabel("compute (simulated device-seconds)")
        if panel == "regret":
            ax.set_ylabel("mean regret of the chosen config")
            ax.set_title("anytime regret")
        else:
            ax.axhline(0.95, color="grey", ls="--", lw=0.8)
            ax.set_ylim(-0.02, 1.02)
            ax.set_ylabel("P(correct)")
            ax.set_title(f"{panel} (truth: {results['truth']['verdicts'].get(panel, 'best config')})", fontsize=9)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    tmp = out.with_name(out.stem + ".tmp" + out.suffix)
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, out)
