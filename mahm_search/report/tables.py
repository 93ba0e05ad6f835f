"""The report's tables as pandas DataFrames: best configurations and one ablation table per factor.

Scores are means over completed seeds with their 95% t interval (a dash for one seed: no interval
can be estimated), the seeds' standard deviation, and the validation noise: the standard error of one
trial's score over its validation samples, averaged over the trials (a dash when none were kept).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from .curves_data import config_score, configurations
from .factors import curve_label, short_name
from .records import StudyTrial
from .stats import mean_ci, seed_std, val_se

DASH = "\u2013"
COLUMNS = ["configuration", "n", "mean (mm)", "95% CI (mm)", "seed std (mm)", "val SE (mm)", "trials"]


def _mm(value: Optional[float]) -> str:
    return DASH if value is None else f"{value:.2f}"


def trials_val_se(trials: list[StudyTrial]) -> Optional[float]:
    noise = [se for se in (val_se(t.record.val_scores) for t in trials) if se is not None]
    return float(np.mean(noise)) if noise else None


def best_configurations(records: list[StudyTrial], factors: list[str], maximize: bool,
                        label_template: str | None = None, top: int = 10) -> pd.DataFrame:
    """One row per configuration with completed trials, best mean first."""
    rows = []
    for members in configurations(records).values():
        done = [m for m in members if m.state == "COMPLETE" and m.final is not None]
        if not done:
            continue
        finals = [m.final for m in done]
        ci = mean_ci(finals)
        rows.append({
            "configuration": curve_label(done[0].params, factors, label_template, done[0].number),
            "n": len(finals), "mean (mm)": f"{ci.mean:.2f}", "95% CI (mm)": ci.text(2),
            "seed std (mm)": _mm(seed_std(finals)), "val SE (mm)": _mm(trials_val_se(done)),
            "trials": ", ".join(f"#{m.number}" for m in done),
            "_rank": config_score(members, maximize), "_mean": ci.mean, "_members": done,
        })
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(rows).sort_values("_rank", key=lambda s: s.map(lambda r: r[1]))
    return frame.head(top).reset_index(drop=True)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as printed (without the helper columns)."""
    return frame[[c for c in frame.columns if not c.startswith("_")]]


def ablation_frame(factor: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Level, n, mean with its 95% CI, the trials' std, validation noise, min, max; best mean in bold."""
    return pd.DataFrame([{
        short_name(factor): row["level"], "n": row["n"],
        "mean (mm)": f"**{row['mean']:.2f}**" if row["is_best"] else f"{row['mean']:.2f}",
        "95% CI (mm)": row["ci"].text(2), "std (mm)": _mm(row["std"]), "val SE (mm)": _mm(row["val_se"]),
        "min (mm)": f"{row['min']:.2f}", "max (mm)": f"{row['max']:.2f}",
    } for row in rows])
