"""Convergence and cost (the report's Figure 2 claim): steps and wall-clock time to reach a target score.

Per completed trial: the first evaluation at or better than the target, and that step's time (steps x
the trial's mean seconds per step, so a rescued model's recomputation is paid for). Per
configuration: the mean with its 95% t interval over the seeds that reached it, and how many did. The
target is by default the reference configuration's mean final score (the first level of every varied
factor, e.g. the shallowest cascade or self-attention off), so "reaches the target" reads "as good as
the reference ends". Differences from the reference are judged by Welch's interval over seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

from .curves_data import configurations, seconds_per_step
from .factors import curve_label, level_sort_key
from .records import StudyTrial
from .stats import Interval, mean_ci, welch


@dataclass
class Convergence:
    configuration: str
    n: int  # completed seeds
    reached: int  # of which reached the target
    steps: Interval
    seconds: Interval
    steps_vs_ref: Optional[Interval]  # steps minus the reference's, Welch over seeds
    seconds_vs_ref: Optional[Interval]
    is_reference: bool
    _steps: list = None
    _seconds: list = None


def first_reach(trial: StudyTrial, target: float, maximize: bool) -> Optional[int]:
    for step, value in zip(trial.steps, trial.values):
        if (value >= target) if maximize else (value <= target):
            return step
    return None


def reference_key(groups: dict[str, list[StudyTrial]], factors: list[str]) -> Optional[str]:
    done = {k: ms for k, ms in groups.items() if any(m.state == "COMPLETE" for m in ms)}
    if not done:
        return None
    return min(done, key=lambda k: tuple(level_sort_key(done[k][0].params.get(f)) for f in factors))


def convergence_table(records: list[StudyTrial], factors: list[str], maximize: bool,
                      label_template: Optional[str] = None,
                      target: Optional[float] = None) -> tuple[Optional[float], list[Convergence]]:
    """(target, one row per configuration with completed trials, reference first)."""
    groups = configurations(records)
    ref = reference_key(groups, factors)
    if ref is None:
        return None, []
    done = {k: [m for m in ms if m.state == "COMPLETE" and m.has_curve] for k, ms in groups.items()}
    done = {k: ms for k, ms in done.items() if ms}
    if target is None:
        target = mean_ci([m.final for m in done[ref]]).mean
    rows = []
    for key in [ref] + [k for k in done if k != ref]:
        steps, seconds = [], []
        for m in done[key]:
            step = first_reach(m, target, maximize)
            rate = seconds_per_step(m)
            if step is not None:
                steps.append(step)
                seconds += [step * rate] if rate else []
        rows.append(Convergence(
            configuration=curve_label(done[key][0].params, factors, label_template, done[key][0].number),
            n=len(done[key]), reached=len(steps), steps=mean_ci(steps), seconds=mean_ci(seconds),
            steps_vs_ref=None, seconds_vs_ref=None, is_reference=key == ref, _steps=steps, _seconds=seconds))
    for row in rows[1:]:
        row.steps_vs_ref = welch(row._steps, rows[0]._steps)
        row.seconds_vs_ref = welch(row._seconds, rows[0]._seconds)
    return target, rows


def convergence_rows(rows: list[Convergence]) -> list[dict[str, Any]]:
    """For the markdown table."""
    out = []
    for r in rows:
        out.append({
            "configuration": r.configuration + (" (reference)" if r.is_reference else ""),
            "reached / n": f"{r.reached}/{r.n}",
            "steps to target": f"{r.steps.mean:.0f}" if r.reached else "\u2013",
            "95% CI (steps)": r.steps.text(0),
            "time to target (s)": f"{r.seconds.mean:.3g}" if r.seconds.n else "\u2013",
            "95% CI (s)": r.seconds.text(_digits(r.seconds)),
            "vs reference (steps)": _diff(r.steps_vs_ref, 0),
            "vs reference (s)": _diff(r.seconds_vs_ref, _digits(r.seconds_vs_ref)),
        })
    return out


def _digits(iv: Optional[Interval]) -> int:
    """Decimals that show about 3 significant digits of a time (stand-in runs take milliseconds)."""
    size = abs(iv.mean) if iv is not None and iv.n and iv.mean == iv.mean else 0.0
    return 1 if size >= 10 or size == 0 else min(6, 2 - int(math.floor(math.log10(size))))


def _diff(iv: Optional[Interval], digits: int) -> str:
    if iv is None or iv.n == 0:
        return "\u2013"
    verdict = "" if not iv.known else (" (fewer)" if iv.high < 0 else " (more)" if iv.low > 0 else " (inconclusive)")
    return f"{iv.mean:+.{digits}f} {iv.text(digits)}{verdict}" if iv.known else f"{iv.mean:+.{digits}f} (no CI, n=1)"


def convergence_findings(target: Optional[float], rows: list[Convergence]) -> list[str]:
    if target is None or len(rows) < 2:
        return []
    ref = rows[0]
    out = []
    for r in rows[1:]:
        for what, iv, unit in (("steps", r.steps_vs_ref, "steps"), ("time", r.seconds_vs_ref, "s")):
            digits = 0 if unit == "steps" else _digits(iv)
            if iv is None or iv.n == 0:
                continue
            if iv.known and iv.high < 0:
                verdict = f"{r.configuration} reaches the target in {'fewer' if unit == 'steps' else 'less'} {what} " \
                          f"than {ref.configuration}"
            elif iv.known and iv.low > 0:
                verdict = f"{r.configuration} needs more {what} than {ref.configuration} to reach the target"
            else:
                verdict = f"{what} to target, {r.configuration} vs {ref.configuration}: inconclusive"
            ci = f"95% CI over seeds {iv.text(digits)}" if iv.known else "no CI (fewer than 2 seeds reached it)"
            out.append(f"{verdict} ({iv.mean:+.{digits}f} {unit}, {ci}; target {target:.2f} mm).")
    return out
