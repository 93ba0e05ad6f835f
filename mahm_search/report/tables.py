"""The report's tables as pandas DataFrames: best configurations and one ablation table per factor."""

from __future__ import annotations

import statistics
from typing import Any

import pandas as pd

from .curves_data import config_score, configurations
from .factors import curve_label, short_name
from .records import StudyTrial


def best_configurations(records: list[StudyTrial], factors: list[str], maximize: bool,
                        label_template: str | None = None, top: int = 10) -> pd.DataFrame:
    """One row per configuration with completed trials: mean and std of the final score over repeats."""
    rows = []
    for members in configurations(records).values():
        done = [m for m in members if m.state == "COMPLETE" and m.final is not None]
        if not done:
            continue
        finals = [m.final for m in done]
        rows.append({
            "configuration": curve_label(done[0].params, factors, label_template, done[0].number),
            "n": len(finals),
            "mean (mm)": statistics.fmean(finals),
            "std (mm)": statistics.pstdev(finals),
            "best (mm)": (max if maximize else min)(finals),
            "trials": ", ".join(f"#{m.number}" for m in done),
            "_rank": config_score(members, maximize),
        })
    if not rows:
        return pd.DataFrame(columns=["configuration", "n", "mean (mm)", "std (mm)", "best (mm)", "trials"])
    frame = pd.DataFrame(rows).sort_values("_rank", key=lambda s: s.map(lambda r: r[1]))
    return frame.drop(columns="_rank").head(top).reset_index(drop=True)


def ablation_frame(factor: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Level, n, mean, std, min, max of one factor; the best mean in bold (markdown)."""
    return pd.DataFrame([{
        short_name(factor): row["level"], "n": row["n"],
        "mean (mm)": f"**{row['mean']:.2f}**" if row["is_best"] else f"{row['mean']:.2f}",
        "std (mm)": f"{row['std']:.2f}", "min (mm)": f"{row['min']:.2f}", "max (mm)": f"{row['max']:.2f}",
    } for row in rows])
