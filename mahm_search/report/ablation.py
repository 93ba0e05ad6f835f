"""Ablation numbers: for each varied factor, the score of every level over the trials that have it.

Each level's statistics pool every completed trial with that value (repeats and the other factors'
values included), i.e. the factor's marginal effect, and say how many trials they rest on (n): the
mean with its 95% t interval over those trials (none for n=1), and the validation noise (the mean
standard error of one trial's score over its validation samples, when they were kept).
"""

from __future__ import annotations

import statistics
from typing import Any, Literal, Optional

import numpy as np
import pandas as pd

from .curves_data import better_than_all
from .factors import format_value, level_label, level_sort_key, level_tick, short_name
from .records.records import StudyTrial
from ..results import best_key, mean_ci, seed_std, val_se
from .figures.style import level_colours

MAX_LEVELS = 6  # a numeric factor with more distinct values (e.g. a sampled lr) is cut into quartiles


def ablation_table(records: list[StudyTrial], factors: list[str], metric: Literal["final", "best"],
                   maximize: bool, colour_by: Optional[str] = None) -> dict[str, list[dict[str, Any]]]:
    """{factor: [{level, label, tick, value, n, mean, ci, std, val_se, min, max, scores, trials, members,
    colour, is_leader, is_best}, ...]} in level order; std and val_se are None where they cannot be
    estimated. `label` reads as in the curves' legend ('with self-attention', 'widths 256'), `tick`
    under the factor's axis. is_leader: the level with the best mean; is_best: that level, only when
    compare() shows it better than every other level in this metric (curves_data.better_than_all;
    otherwise no level is called best). colour:
    the level's colour in every figure when `colour_by` is this factor, else None."""
    colours = level_colours(r.params[colour_by] for r in records if colour_by in r.params) if colour_by else {}
    done = [r for r in records if r.state == "COMPLETE" and getattr(r, metric) is not None]
    out: dict[str, list[dict[str, Any]]] = {}
    for factor in factors:
        by_level: dict[str, list[StudyTrial]] = {}
        raw: dict[str, Any] = {}
        having = [r for r in done if factor in r.params]
        for r, (key, value) in zip(having, _levels([r.params[factor] for r in having])):
            by_level.setdefault(key, []).append(r)
            raw[key] = value
        rows = []
        for key in sorted(by_level, key=lambda k: level_sort_key(raw[k])):
            scores = [getattr(r, metric) for r in by_level[key]]
            noise = [se for se in (val_se(r.record.val_scores) for r in by_level[key]) if se is not None]
            binned = len({repr(r.params[factor]) for r in by_level[key]}) > 1
            rows.append({
                "level": key, "value": raw[key], "n": len(scores), "mean": statistics.fmean(scores),
                "label": f"{short_name(factor)} {key}" if binned else level_label(factor, raw[key]),
                "tick": key if binned else level_tick(factor, raw[key]),
                "colour": None if binned or factor != colour_by else colours.get(repr(raw[key])),
                "ci": mean_ci(scores), "std": seed_std(scores),
                "val_se": float(np.mean(noise)) if noise else None, "min": min(scores), "max": max(scores),
                "scores": scores, "trials": [r.number for r in by_level[key]], "members": by_level[key],
                "is_leader": False, "is_best": False,
            })
        if rows:
            best = rows[int(best_key({str(i): row["scores"] for i, row in enumerate(rows)}, maximize))]
            best["is_leader"] = True
            best["is_best"] = better_than_all(best["members"], [row["members"] for row in rows if row is not best],
                                              maximize, metric)
            out[factor] = rows
    return out


def _levels(values: list[Any]) -> list[tuple[str, Any]]:
    """(label, sortable value) per trial: the value itself, or its quartile bin for continuous params."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if not numeric or len(set(values)) <= MAX_LEVELS:
        return [(format_value(v), v) for v in values]
    bins = pd.qcut(pd.Series(values, dtype=float), q=4, labels=False, duplicates="drop")
    # label each bin by the values really in it (qcut's own edges reach below the smallest value)
    span = {b: (min(v for v, c in zip(values, bins) if c == b), max(v for v, c in zip(values, bins) if c == b))
            for b in set(bins)}
    return [(f"{span[b][0]:.3g} to {span[b][1]:.3g}", span[b][0]) for b in bins]
