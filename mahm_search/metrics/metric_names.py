"""The names of the metrics a training run's evaluation reports (metrics/metrics.py computes them).

One list for every place that names an objective: `train.objective` (train/spec.py) and a study's
`objective.metric` (study/study_spec.py). No torch here, so validating a config stays light.
"""

from __future__ import annotations

import difflib
from typing import Optional

PRIMARY = ("mpjpe", "mpvpe", "pa_mpjpe", "mrrpe", "score")  # always reported, NaN when nothing counted
HANDS = ("right", "left")
GROUPS = ("single", "interacting")
# Reported only where that subset holds something: `_single` never on data of interacting hands only
# (the synthetic data, InterHand2.6M with hand_type interacting), `_interacting` never on single hands.
BREAKDOWNS = tuple(f"{m}_{part}" for m in ("mpjpe", "pa_mpjpe", "mpvpe") for part in HANDS + GROUPS)
# What a training run's evaluation reports (the `wrist` protocol; `_mcp_scale` keys come only from
# `mahm-search evaluate`), so what an objective may name.
OBJECTIVE_METRICS = PRIMARY + BREAKDOWNS


def objective_problem(name: object) -> Optional[str]:
    """None for a metric the trainer reports, else what was expected."""
    if isinstance(name, str) and name in OBJECTIVE_METRICS:
        return None
    close = difflib.get_close_matches(str(name), OBJECTIVE_METRICS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (f"expected a metric the evaluation reports: one of {', '.join(PRIMARY)}, or mpjpe/pa_mpjpe/mpvpe "
            f"with _right, _left, _single or _interacting; got {name!r}{hint}")
