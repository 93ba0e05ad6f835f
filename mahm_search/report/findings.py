"""The report's findings: sentences computed from the numbers, each with its interval and n.

"A is better than B" is said only when compare.py's rule holds (the 95% interval of the difference
excludes 0 over seeds, and over validation samples when they were kept); otherwise the sentence says
"inconclusive" and about how many seeds would resolve the difference. Nothing else is claimed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Optional

import pandas as pd

from .compare import Comparison, compare, finals
from .curves_data import configurations
from .factors import short_name
from .records import StudyTrial
from .stats import pooled_std


RIVALS = 4  # the best configuration is compared with this many runners-up (each at 95%, uncorrected)


def study_seed_std(records: list[StudyTrial]) -> Optional[float]:
    """The per-seed spread pooled over every configuration with >= 2 completed seeds."""
    return pooled_std([finals(ms) for ms in configurations(records).values()])


def verdict_text(cmp: Comparison, a: str, b: str, maximize: bool) -> str:
    if cmp.verdict == "A":
        return f"{a} is better than {b}"
    if cmp.verdict == "B":
        return f"{b} is better than {a}"
    return f"{a} vs {b}: inconclusive"


def findings(records: list[StudyTrial], ablation: dict[str, list[dict[str, Any]]], best: pd.DataFrame,
             maximize: bool, extra: tuple[str, ...] = ()) -> list[str]:
    out = []
    spread = study_seed_std(records)
    said: set = set()  # pairs of trial sets already compared: one factor's levels can be the configurations
    if len(best):
        top = best.iloc[0]
        ci = f"95% CI {top['95% CI (mm)']}" if top["n"] > 1 else "no CI with one seed"
        out.append(f"Best mean: {top['configuration']}, {top['mean (mm)']} mm, {ci} (n={top['n']}).")
        # the best against each runner-up: "is the best really better than X?" is the reader's question
        for _, rival in best.iloc[1:1 + RIVALS].iterrows():
            cmp = compare(top["_members"], rival["_members"], maximize, spread)
            out.append(_sentence(cmp, top["configuration"], rival["configuration"], maximize))
            said.add(_pair(top["_members"], rival["_members"]))
    for factor, rows in ablation.items():
        ref = rows[0]
        for row in rows[1:]:
            if _pair(row["members"], ref["members"]) in said:
                continue
            # the study's per-seed spread, not the level's (which also holds the other factors' effects)
            cmp = compare(row["members"], ref["members"], maximize, spread, prefer_fallback=True)
            name = short_name(factor)
            out.append(_sentence(cmp, f"{name} {row['level']}", f"{name} {ref['level']}", maximize))
    out += list(extra)
    stopped = Counter(r.end for r in records if r.end and r.end != "running")
    if stopped:
        parts = ", ".join(f"{reason} {n}" for reason, n in stopped.most_common())
        out.append(f"{sum(stopped.values())} of {len(records)} trials ended early ({parts}); "
                   f"only completed trials enter the tables and comparisons.")
    running = sum(r.end == "running" for r in records)
    if running:
        out.append(f"{running} trial(s) still running; their curves so far are in the figure, not in the tables.")
    return out


def _pair(a: list, b: list) -> frozenset:
    return frozenset((frozenset(r.number for r in a), frozenset(r.number for r in b)))


def _sentence(cmp: Comparison, a: str, b: str, maximize: bool) -> str:
    text = f"{verdict_text(cmp, a, b, maximize)} ({a} minus {b}: {cmp.describe(maximize)})"
    advice = cmp.advice()
    return text + (f"; {advice}." if advice else ".")
