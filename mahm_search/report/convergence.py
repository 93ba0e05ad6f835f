"""Convergence and cost (the report's Figure 2 claim): steps and wall-clock time to reach a target score.

Per completed trial: the first evaluation at or better than the target. A seed that never reaches it
is not dropped (that would average only the lucky seeds): it is censored at the training budget, the
last step every compared seed evaluated (`budget`), and counts as that budget. Per configuration the
table gives how many seeds reached the target (a/n) and the mean of min(steps to target, budget) over
every completed seed, the restricted mean steps to target, with its 95% t interval (clipped to
[0, budget] and said so). Censoring at one common budget makes that mean an ordinary, fully observed
quantity, so Welch's interval over seeds compares it validly; a verdict rests on every completed seed,
and each sentence says how many reached the target on each side.

Time to target is those steps x the trial's mean seconds per step (evaluations and any rescue's
recomputation included). Wall-clock time on a shared host also measures the host's load and the order
the trials ran in, so the table also gives seconds per step per configuration over all its seeds, the
cost measure itself, and the time sentences say so.

The target is by default the reference configuration's mean final score (the first level of every
varied factor, e.g. the shallowest cascade or self-attention off), so "reaches the target" reads "as
good as the reference ends". The comparisons with the reference (steps and time) are one family:
a verdict needs its 95% interval to exclude 0 and its p value to survive Holm's correction over them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from .curves_data import configurations, seconds_per_step
from .factors import curve_label, level_sort_key
from .records.records import StudyTrial
from ..results import CONFIDENCE, Interval, holm, mean_ci, p_text, signed, welch

DASH = "\u2013"


@dataclass
class Convergence:
    configuration: str
    n: int  # completed seeds with a curve
    reached: int  # of which reached the target within the budget
    steps: Interval  # mean of min(steps to target, budget) over all n seeds, clipped to [0, budget]
    seconds: Interval  # the same in seconds (seeds with a recorded wall time)
    steps_vs_ref: Optional[Interval]  # steps minus the reference's, Welch over seeds (unclipped bounds)
    seconds_vs_ref: Optional[Interval]
    is_reference: bool
    _steps: list = None  # per seed: min(steps to target, budget)
    _seconds: list = None
    budget: Optional[int] = None  # the censoring point: steps every compared seed evaluated up to
    seconds_per_step: Optional[Interval] = None  # over all completed seeds with a wall time
    steps_p: Optional[float] = None  # Holm-adjusted p of steps_vs_ref over the table's comparisons
    seconds_p: Optional[float] = None
    family: int = 0  # how many comparisons the Holm correction ran over
    clipped: set = field(default_factory=set)  # which intervals' t bounds were clipped to what is possible


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
    """(target, one row per configuration with completed trials that have a curve, reference first)."""
    groups = configurations(records)
    done = {k: [m for m in ms if m.state == "COMPLETE" and m.has_curve] for k, ms in groups.items()}
    done = {k: ms for k, ms in done.items() if ms}
    ref = reference_key(done, factors)  # among configurations with a curve: the target comes from them
    if ref is None:
        return None, []
    if target is None:
        target = mean_ci([m.final for m in done[ref]]).mean
    if target is None or not math.isfinite(target):
        return None, []
    budget = min(m.steps[-1] for ms in done.values() for m in ms)
    rows = []
    for key in [ref] + [k for k in done if k != ref]:
        steps, seconds, rates, reached = [], [], [], 0
        for m in done[key]:
            step = first_reach(m, target, maximize)
            reached += step is not None and step <= budget
            censored = budget if step is None else min(step, budget)
            steps.append(censored)
            rate = seconds_per_step(m)
            if rate:
                seconds.append(censored * rate)
                rates.append(rate)
        row = Convergence(
            configuration=curve_label(done[key][0].params, factors, label_template, done[key][0].number),
            n=len(done[key]), reached=reached, steps=mean_ci(steps), seconds=mean_ci(seconds),
            steps_vs_ref=None, seconds_vs_ref=None, is_reference=key == ref, _steps=steps, _seconds=seconds,
            budget=budget, seconds_per_step=mean_ci(rates))
        row.seconds_per_step = _clip(row, "seconds_per_step", row.seconds_per_step, 0.0, None)
        row.steps = _clip(row, "steps", row.steps, 0.0, budget)
        row.seconds = _clip(row, "seconds", row.seconds, 0.0, None)  # the seconds a step takes have no bound
        rows.append(row)
    for row in rows[1:]:
        row.steps_vs_ref = _clip(row, "steps_vs_ref", welch(row._steps, rows[0]._steps), -budget, budget)
        row.seconds_vs_ref = welch(row._seconds, rows[0]._seconds)
    tests = [iv for row in rows[1:] for iv in (row.steps_vs_ref, row.seconds_vs_ref)]
    adjusted = holm([iv.p for iv in tests])
    family = sum(p is not None for p in adjusted)
    for i, row in enumerate(rows[1:]):
        row.steps_p, row.seconds_p, row.family = adjusted[2 * i], adjusted[2 * i + 1], family
    return target, rows


def _clip(row: Convergence, name: str, iv: Interval, low: float, high: Optional[float]) -> Interval:
    """A mean's t interval cut to the values it can take (a time is >= 0, steps <= budget)."""
    if not iv.known:
        return iv
    new_low = max(iv.low, low)
    new_high = min(iv.high, high) if high is not None else iv.high
    if (new_low, new_high) != (iv.low, iv.high):
        row.clipped.add(name)
    return replace(iv, low=new_low, high=new_high)


def resolved(iv: Optional[Interval], p_adjusted: Optional[float], confidence: float = CONFIDENCE) -> int:
    """-1: fewer/less than the reference, +1: more, 0: inconclusive (no interval, it contains 0, or
    the Holm-adjusted p is not below 5%)."""
    if iv is None or not iv.excludes_zero() or p_adjusted is None or p_adjusted >= 1 - confidence:
        return 0
    return -1 if iv.high < 0 else 1


def convergence_rows(rows: list[Convergence]) -> list[dict[str, Any]]:
    """For the markdown table: one precision per column."""
    if not rows:
        return []
    budget = rows[0].budget
    seconds = _column_digits([r.seconds.mean for r in rows if r.seconds.n])
    rate = _column_digits([r.seconds_per_step.mean for r in rows if r.seconds_per_step and r.seconds_per_step.n])
    out = []
    for r in rows:
        out.append({
            "configuration": r.configuration + (" (reference)" if r.is_reference else ""),
            "reached / n": f"{r.reached}/{r.n}",
            f"steps to target (never reached = {budget})": f"{r.steps.mean:.0f}" if r.steps.n else DASH,
            "95% CI (steps)": _ci_text(r.steps, 0, "steps" in r.clipped),
            "time to target (s)": f"{r.seconds.mean:.{seconds}f}" if r.seconds.n else DASH,
            "95% CI (s)": _ci_text(r.seconds, seconds, "seconds" in r.clipped),
            "s per step (all seeds)": _rate(r, rate),
            "vs reference (steps)": _diff(r.steps_vs_ref, 0, r.steps_p, "steps_vs_ref" in r.clipped),
            "vs reference (s)": _diff(r.seconds_vs_ref, seconds, r.seconds_p),
        })
    return out


def _ci_text(iv: Interval, digits: int, clipped: bool) -> str:
    if iv.known:
        return iv.text(digits) + (" (clipped)" if clipped else "")
    return DASH if iv.n < 2 else f"{DASH} (zero spread)"


def _size_digits(size: float) -> int:
    """Decimals that show about 3 significant digits of a time (stand-in runs take milliseconds)."""
    return 1 if size >= 10 or size == 0 or not math.isfinite(size) else min(6, 2 - int(math.floor(math.log10(size))))


def _column_digits(values: list[float]) -> int:
    """One precision for a whole column: about 3 significant digits of its largest value."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    return _size_digits(max(finite)) if finite else 1


def _diff(iv: Optional[Interval], digits: int, p_adjusted: Optional[float] = None, clipped: bool = False) -> str:
    if iv is None or iv.n == 0:
        return DASH
    if not iv.known:
        return f"{signed(iv.mean, digits)} (no CI: {iv.why_unknown()})"
    verdict = {-1: "fewer", 1: "more", 0: "inconclusive"}[resolved(iv, p_adjusted)]
    return f"{signed(iv.mean, digits)} {iv.text(digits)}{' clipped' if clipped else ''} ({verdict})"


def convergence_findings(target: Optional[float], rows: list[Convergence]) -> list[str]:
    if target is None or len(rows) < 2:
        return []
    ref = rows[0]
    digits = _column_digits([r.seconds.mean for r in rows if r.seconds.n])
    rate_digits = _column_digits([r.seconds_per_step.mean for r in rows
                                  if r.seconds_per_step and r.seconds_per_step.n])
    out = []
    for r in rows[1:]:
        seeds = f"reached by {r.reached}/{r.n} vs {ref.reached}/{ref.n} seeds"
        steps_how = (f"steps: mean over all seeds, one that never reached the target counting as {r.budget}, "
                     "the steps every seed evaluated")
        for what, iv, p, unit in (("steps", r.steps_vs_ref, r.steps_p, "steps"),
                                  ("time", r.seconds_vs_ref, r.seconds_p, "s")):
            if iv is None or iv.n == 0:
                continue
            d = 0 if unit == "steps" else digits
            sign = resolved(iv, p)
            if sign < 0:
                verdict = (f"{r.configuration} reaches the target in {'fewer' if unit == 'steps' else 'less'} "
                           f"{what} than {ref.configuration}")
            elif sign > 0:
                verdict = f"{r.configuration} needs more {what} than {ref.configuration} to reach the target"
            else:
                verdict = f"{what} to target, {r.configuration} vs {ref.configuration}: inconclusive"
            if iv.known:
                clipped = what == "steps" and "steps_vs_ref" in r.clipped
                cut = " (t interval clipped to the possible range)" if clipped else ""
                ci = f"95% CI over seeds {iv.text(d)}{cut}"
                if p is not None:
                    ci += (f", Holm-adjusted p {p_text(p)} over {r.family} comparisons" if r.family > 1
                           else f", p {p_text(p)}, the only comparison")
            elif iv.why_unknown() == "zero spread":
                ci = "no CI: zero spread, every seed on both sides has the same value"
            else:
                ci = f"no CI ({iv.why_unknown()})"
            how = steps_how if unit == "steps" else (
                "time = those steps x the seed's mean seconds per step; wall-clock time on a shared host also "
                "measures the host's load and the run order: seconds per step "
                f"{_rate(r, rate_digits, 'not recorded')} vs {_rate(ref, rate_digits, 'not recorded')} over all seeds")
            out.append(f"{verdict} ({seeds}; {signed(iv.mean, d)} {unit}, {ci}; {how}; target {target:.2f} mm).")
    if out:
        family, made = rows[1].family, len(out)
        untested = f" ({made - family} without a test: one seed or zero spread on a side)" if made > family else ""
        out.append(f"Convergence: {made} comparisons with the reference (steps and time){untested}; a verdict "
                   f"needs its 95% CI to exclude 0 and its p value to survive Holm's correction over the {family} "
                   "tested, a family of its own, apart from the score comparisons." if family else
                   f"Convergence: none of the {made} comparisons with the reference could be tested{untested}.")
    return out


def _rate(row: Convergence, digits: int, missing: str = DASH) -> str:
    iv = row.seconds_per_step
    if iv is None or not iv.n:
        return missing
    if not iv.known:
        return f"{iv.mean:.{digits}f} (no CI: {iv.why_unknown()})"
    return f"{iv.mean:.{digits}f} {iv.text(digits)}" + (" (clipped)" if "seconds_per_step" in row.clipped else "")
