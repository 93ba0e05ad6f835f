"""The report's tables as pandas DataFrames: best configurations, one ablation table per factor, and
the memory gate's figures per configuration.

Scores are means over completed seeds with their 95% t interval (a dash for one seed: no interval
can be estimated), the seeds' standard deviation, and the validation noise: the standard error of one
trial's score over its validation samples, averaged over the trials (a dash when none were kept).

Every table lists configurations in one order, `config_order` (the level order of the varied factors,
as the ablation tables list levels; then the first trial's number), so a configuration has the same
place in each; the best-configurations table shows the rank by mean score in its own column.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from ..results import ranked
from .compare import finals
from .curves_data import configurations
from .factors import curve_label, level_sort_key, short_name
from .records.records import StudyTrial
from ..results import mean_ci, seed_std, val_se

DASH = "\u2013"
COLUMNS = ["configuration", "rank", "n", "mean (mm)", "95% CI (mm)", "seed std (mm)", "val SE (mm)", "trials"]
MIB = 2 ** 20


def _mm(value: Optional[float]) -> str:
    return DASH if value is None else f"{value:.2f}"


def trials_val_se(trials: list[StudyTrial]) -> Optional[float]:
    noise = [se for se in (val_se(t.record.val_scores) for t in trials) if se is not None]
    return float(np.mean(noise)) if noise else None


def config_order(members: list[StudyTrial], factors: list[str]) -> tuple:
    """Sort key of a configuration in every table: its levels of the factors in level order, then
    its first trial's number."""
    first = min(members, key=lambda m: m.number)
    return (tuple(level_sort_key(first.params.get(f)) for f in factors), first.number)


def rescue_of(members: list[StudyTrial]) -> str:
    """How the memory gate rescued the configuration's trials ('none' when it did not)."""
    rescues = sorted({str(m.record.rescue) for m in members if m.record.rescue is not None} - {"None", ""})
    rescued = [r for r in rescues if r != "none"]
    return "; ".join(rescued) if rescued else ("none" if rescues else DASH)


def best_configurations(records: list[StudyTrial], factors: list[str], maximize: bool,
                        label_template: str | None = None, top: int = 10) -> pd.DataFrame:
    """One row per configuration with completed trials, best mean first (the findings read it in
    this order); `in_table_order` gives the order the report prints, with `rank` kept."""
    groups = configurations(records)
    rank = {k: i for i, k in enumerate(ranked({k: finals(ms) for k, ms in groups.items()}, maximize))}
    rows = []
    for key, members in groups.items():
        done = [m for m in members if m.state == "COMPLETE" and m.final is not None]
        if not done:
            continue
        values = [m.final for m in done]
        ci = mean_ci(values)
        rows.append({
            "configuration": curve_label(done[0].params, factors, label_template, done[0].number),
            "n": len(values), "mean (mm)": f"{ci.mean:.2f}", "95% CI (mm)": ci.text(2),
            "seed std (mm)": _mm(seed_std(values)), "val SE (mm)": _mm(trials_val_se(done)),
            "memory rescue": rescue_of(done),
            "trials": ", ".join(f"#{m.number}" for m in done),
            "_rank": rank[key], "_mean": ci.mean, "_members": done,
            "_order": config_order(members, factors),
        })
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(rows).sort_values("_rank", kind="stable")
    frame = frame.head(top).reset_index(drop=True)
    frame.insert(1, "rank", range(1, len(frame) + 1))
    if (frame["memory rescue"].isin(["none", DASH])).all():
        frame = frame.drop(columns="memory rescue")  # no configuration was rescued: nothing to say
    return frame


def in_table_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The best-configurations table in the report's one configuration order (rank in its column)."""
    if "_order" not in frame.columns or not len(frame):
        return frame
    order = sorted(range(len(frame)), key=lambda i: frame["_order"].iloc[i])
    return frame.iloc[order].reset_index(drop=True)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as printed (without the helper columns)."""
    return frame[[c for c in frame.columns if not c.startswith("_")]]


def ablation_frame(factor: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Level, n, mean with its 95% CI, the trials' std, validation noise, min, max; best mean in bold."""
    return pd.DataFrame([{
        short_name(factor): row.get("tick", row["level"]), "n": row["n"],
        "mean (mm)": f"**{row['mean']:.2f}**" if row["is_best"] else f"{row['mean']:.2f}",
        "95% CI (mm)": row["ci"].text(2), "std (mm)": _mm(row["std"]), "val SE (mm)": _mm(row["val_se"]),
        "min (mm)": f"{row['min']:.2f}", "max (mm)": f"{row['max']:.2f}",
    } for row in rows])


# -- memory -------------------------------------------------------------------------------------

def _mib(values: list[Optional[int]]) -> str:
    """'72.00', or 'a to b' when the trials differ (e.g. measured on different devices)."""
    known = sorted({v for v in values if v is not None})
    if not known:
        return DASH
    low, high = known[0] / MIB, known[-1] / MIB
    return f"{low:.2f}" if len(known) == 1 else f"{low:.2f} to {high:.2f}"


def _signed_bytes(n: float) -> str:
    """An estimate's error at a size that does not print as 0: '-24 B', '+1.5 KiB', '-3.20 MiB'."""
    size = abs(n)
    if size < 1024:
        return f"{n:+.0f} B"
    if size < MIB:
        return f"{n / 1024:+.1f} KiB"
    return f"{n / MIB:+.2f} MiB"


def estimate_error(members: list[StudyTrial]) -> str:
    """The tensor estimate minus the measured tensor peak, per trial that has both (same quantity:
    memory_estimate_tensor_bytes vs memory_peak_bytes), with its share of the peak."""
    pairs = [(m.record.memory_estimate_tensor_bytes, m.record.memory_peak_bytes) for m in members]
    diffs = sorted({(e - p, (e - p) / p) for e, p in pairs if e is not None and p})
    if not diffs:
        return DASH
    (low, low_share), (high, high_share) = diffs[0], diffs[-1]
    if low == high:
        return f"{_signed_bytes(low)} ({_percent(low_share)})"
    return f"{_signed_bytes(low)} to {_signed_bytes(high)} ({_percent(low_share)} to {_percent(high_share)})"


def _percent(share: float) -> str:
    """A share with two significant digits, never printed as 0: '+1.2%', '-0.000038%'."""
    if share == 0:
        return "0%"
    text = np.format_float_positional(share * 100, precision=2, unique=False, fractional=False, trim="-")
    return f"{'+' if share > 0 else ''}{text}%"


def _outcome(members: list[StudyTrial]) -> str:
    counts: dict[str, int] = {}
    for m in members:
        what = {"COMPLETE": "completed", "RUNNING": "running", "WAITING": "waiting", "FAIL": "failed"}.get(m.state)
        if what is None:
            what = "pruned: no rescue fits the budget" if m.end == "memory" else f"pruned ({m.end})"
        counts[what] = counts.get(what, 0) + 1
    return ", ".join(f"{n} {what}" for what, n in counts.items())


def has_memory_records(records: list[StudyTrial]) -> bool:
    return any(r.record.memory_estimate_bytes is not None or r.record.memory_budget_bytes for r in records)


def memory_frame(records: list[StudyTrial], factors: list[str],
                 label_template: Optional[str] = None) -> pd.DataFrame:
    """Per configuration the memory gate's decision (memory/plan.py, search/trial.py): the budget,
    its estimate before and after the rescue (what the budget is compared with; on CUDA with its
    allowances, so the tensor peak alone is a column of its own where it differs), the rescue, the
    measured tensor peak and the tensor estimate's error against it, in MiB; configurations pruned
    because nothing fits the budget included. The estimate before a rescue is the one after it when
    the trial needed none; a rescued trial shows it only when its record holds it."""
    rows = []
    for members in configurations(records).values():
        gated = [m for m in members if m.record.memory_estimate_bytes is not None or m.record.memory_budget_bytes]
        if not gated:
            continue
        trained = [m for m in gated if m.end != "memory"]
        before = [m.record.memory_original_estimate_bytes if m.record.memory_original_estimate_bytes is not None
                  else (m.record.memory_estimate_bytes if m.end == "memory" or rescue_of([m]) == "none" else None)
                  for m in gated]
        rows.append({
            "configuration": curve_label(gated[0].params, factors, label_template, gated[0].number),
            "budget (MiB)": _mib([m.record.memory_budget_bytes for m in gated]),
            "estimate, no rescue (MiB)": _mib(before) if any(v is not None for v in before) else "not recorded",
            "rescue": rescue_of(trained) if trained else "none fits",
            "estimate as trained (MiB)": _mib([m.record.memory_estimate_bytes for m in trained]),
            "tensor estimate (MiB)": _mib([m.record.memory_estimate_tensor_bytes for m in trained]),
            "measured tensor peak (MiB)": _mib([m.record.memory_peak_bytes for m in trained]),
            "tensor estimate - peak": estimate_error(trained),
            "estimator": ", ".join(sorted({str(m.record.memory_method) for m in gated
                                           if m.record.memory_method})) or DASH,
            "trials": _outcome(gated),
            "_order": config_order(members, factors),
        })
    rows.sort(key=lambda row: row["_order"])
    frame = pd.DataFrame(rows)
    if len(frame) and (frame["tensor estimate (MiB)"] == frame["estimate as trained (MiB)"]).all():
        frame = frame.drop(columns="tensor estimate (MiB)")  # no allowances on top (a CPU study): one figure
    return frame
