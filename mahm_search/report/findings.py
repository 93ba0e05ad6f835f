"""The report's findings: sentences computed from the numbers, each with its interval and n.

"A is better than B" is said only when compare.py's rule holds (the 95% interval of the difference
excludes 0 over seeds, and over validation samples when they were kept) and the comparison survives
Holm's correction over every score comparison the findings make (the best against its runners-up,
each factor's levels against its first level): read together, they keep a 5% chance of any false
"better". Otherwise the sentence says "inconclusive" and the smallest difference the seeds run could
resolve. Each sentence names the score it compares (the final score, or the ablation's metric), and a
factor's levels, which pool trials of different configurations, are compared "over trials".
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Optional

import pandas as pd

from .compare import METRIC_TEXT, Comparison, compare, finals, holm_adjust
from .curves_data import configurations
from .factors import level_label, short_name
from .records.records import StudyTrial
from ..results import pooled_std


RIVALS = 4  # the best configuration is compared with this many runners-up (Holm-corrected with the rest)


def study_seed_std(records: list[StudyTrial]) -> Optional[float]:
    """The per-seed spread pooled over every configuration with >= 2 completed seeds (None: not
    measured, no configuration has 2 seeds that spread)."""
    pooled = pooled_std([finals(ms) for ms in configurations(records).values()])
    return pooled.std if pooled is not None else None


def verdict_text(cmp: Comparison, a: str, b: str, maximize: bool) -> str:
    if cmp.verdict == "A":
        return f"{a} is better than {b}"
    if cmp.verdict == "B":
        return f"{b} is better than {a}"
    return f"{a} vs {b}: inconclusive"


def ablation_metric(ablation: dict[str, list[dict[str, Any]]]) -> str:
    """Which score the ablation rows hold: "best" when they are the trials' best-ever scores and not
    their final ones, else "final"."""
    for rows in ablation.values():
        for row in rows:
            members, values = row.get("members") or [], row.get("scores") or []
            if len(members) == len(values) and list(values) != [m.final for m in members] \
                    and list(values) == [m.best for m in members]:
                return "best"
    return "final"


def findings(records: list[StudyTrial], ablation: dict[str, list[dict[str, Any]]], best: pd.DataFrame,
             maximize: bool, extra: tuple[str, ...] = (), metric: Optional[str] = None) -> list[str]:
    """metric: the score the ablation tables show ("final" or "best"; by default read from the rows);
    the levels are compared on it, the configurations on their final score (the Best table's)."""
    out = []
    metric = metric or ablation_metric(ablation)
    spread = study_seed_std(records)
    said: set = set()  # pairs of trial sets already compared: one factor's levels can be the configurations
    compared: list[tuple[Comparison, str, str]] = []
    if len(best):
        top = best.iloc[0]
        ci_text = top["95% CI (mm)"]
        if top["n"] < 2:
            ci = "no CI with one seed"
        elif ci_text in ("\u2013", "-", ""):
            ci = f"no CI (zero spread over its {top['n']} seeds)"
        else:
            ci = f"95% CI over seeds {ci_text}"
        out.append(f"Best mean final score: {top['configuration']}, {top['mean (mm)']} mm, {ci} (n={top['n']}).")
        # the best against each runner-up: "is the best really better than X?" is the reader's question
        for _, rival in best.iloc[1:1 + RIVALS].iterrows():
            cmp = compare(top["_members"], rival["_members"], maximize, spread)
            compared.append((cmp, top["configuration"], rival["configuration"]))
            said.add(_pair(top["_members"], rival["_members"]))
    for factor, rows in ablation.items():
        ref = rows[0]
        for row in rows[1:]:
            if metric == "final" and _pair(row["members"], ref["members"]) in said:
                continue
            # a level that pools trials of different configurations: its interval is over trials
            pooled = any(len({m.config_key for m in r["members"]}) > 1 for r in (row, ref))
            cmp = compare(row["members"], ref["members"], maximize, spread, metric=metric,
                          unit="trials" if pooled else "seeds")
            compared.append((cmp, _level(factor, row), _level(factor, ref)))
    tested = holm_adjust([cmp for cmp, _, _ in compared])
    if len(best) > 1:  # the first sentence must not crown what the comparisons below leave open
        rivals = [cmp for cmp, _, _ in compared[:min(RIVALS, len(best) - 1)]]
        resolved = len(best) - 1 <= RIVALS and all(c.verdict == "A" for c in rivals)
        out[0] = out[0][:-1] + ("; resolved against every other configuration below." if resolved else
                                "; not resolved against every other configuration (see below).")
    out += [_sentence(cmp, a, b, maximize) for cmp, a, b in compared]
    if compared:
        out.append(_multiplicity(len(compared), tested))
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


def _multiplicity(made: int, tested: int) -> str:
    untested = f" ({made - tested} had no test: one seed or zero spread on a side)" if made > tested else ""
    if tested == 0:
        return f"The {made} score comparison(s) above could not be tested{untested}."
    if made == 1:
        return "One score comparison: a verdict needs its 95% CI to exclude 0 (no multiplicity to correct for)."
    return (f"Multiplicity: {made} score comparisons above{untested}, {tested} tested; a verdict needs its "
            f"95% CI to exclude 0 and its p value to survive Holm's correction over these {tested}, which keeps "
            f"the chance of any wrong verdict among them at 5%.")


def _level(factor: str, row: dict[str, Any]) -> str:
    """'with self-attention', 'widths 256-128-256', 'lr 0.0001 to 0.0003' (a continuous factor's bin)."""
    if isinstance(row.get("value"), bool):
        return level_label(factor, row["value"])
    return f"{short_name(factor)} {row['level']}"


def _pair(a: list, b: list) -> frozenset:
    return frozenset((frozenset(r.number for r in a), frozenset(r.number for r in b)))


def _sentence(cmp: Comparison, a: str, b: str, maximize: bool) -> str:
    what = METRIC_TEXT.get(cmp.metric, cmp.metric)
    pooled = " (all other factors pooled)" if cmp.unit == "trials" else ""
    text = f"{verdict_text(cmp, a, b, maximize)} ({what}, {a} minus {b}{pooled}: {cmp.describe(maximize)})"
    advice = cmp.advice()
    return text + (f"; {advice}." if advice else ".")
