"""The report's findings paragraph: sentences computed from the numbers, each with its n.

It compares the mean final score of each factor's levels with a reference level (the first level,
e.g. the shallowest cascade or `False`), and says when a difference lies within the spread over
trials. It states nothing the numbers do not show.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .factors import short_name
from .records import StudyTrial


def findings(records: list[StudyTrial], ablation: dict[str, list[dict[str, Any]]],
             best_row: dict[str, Any] | None, maximize: bool) -> list[str]:
    out = []
    if best_row:
        out.append(f"Best configuration: {best_row['configuration']}, mean final score "
                   f"{best_row['mean (mm)']:.1f} mm (n={best_row['n']}).")
    for factor, rows in ablation.items():
        if len(rows) >= 2:
            out.append(_factor_sentence(factor, rows, maximize))
    stopped = Counter(r.end for r in records if r.end and r.end != "running")
    if stopped:
        parts = ", ".join(f"{reason} {n}" for reason, n in stopped.most_common())
        out.append(f"{sum(stopped.values())} of {len(records)} trials ended early ({parts}); "
                   f"only completed trials enter the tables.")
    running = sum(r.end == "running" for r in records)
    if running:
        out.append(f"{running} trial(s) still running; their curves so far are in the figure, not in the tables.")
    return out


def _factor_sentence(factor: str, rows: list[dict[str, Any]], maximize: bool) -> str:
    ref = rows[0]
    parts = []
    for row in rows[1:]:
        diff = row["mean"] - ref["mean"]
        within = abs(diff) <= max(row["std"], ref["std"])
        parts.append(f"{row['level']}: {diff:+.1f} mm (n={row['n']}"
                     f"{', within the spread over trials' if within else ''})")
    better = "higher" if maximize else "lower"
    return (f"{short_name(factor)} ({factor}), mean final score vs {ref['level']} "
            f"({ref['mean']:.1f} mm, n={ref['n']}; {better} is better): " + "; ".join(parts) + ".")
