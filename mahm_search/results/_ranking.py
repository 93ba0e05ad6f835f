"""Which configuration is best: one ranking over per-configuration scores, for every reader.

The best configuration has the best mean final score over its completed seeds. Two means that are
exactly equal (seeds that reached a target at the same evaluation step, or a metric on a coarse grid)
are ordered by seed count, more first: the same mean over more seeds is the better measured one, and
the one a reader can trust more. A tie on both goes to the configuration whose first trial came
first, so the answer does not depend on how a caller ordered its mapping beyond trial order.
"""

from __future__ import annotations

import math
import statistics
from typing import Mapping, Optional, Sequence


def finite_scores(values: Sequence[Optional[float]]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def ranked(scores: Mapping[str, Sequence[Optional[float]]], maximize: bool) -> list[str]:
    """The keys with at least one finite score, best first. `scores` is keyed in the order of each
    configuration's first trial (dict order), which breaks a tie on mean and seed count."""
    done = {k: finite_scores(v) for k, v in scores.items()}
    done = {k: v for k, v in done.items() if v}
    sign = -1.0 if maximize else 1.0
    position = {k: i for i, k in enumerate(done)}
    return sorted(done, key=lambda k: (sign * statistics.fmean(done[k]), -len(done[k]), position[k]))


def best_key(scores: Mapping[str, Sequence[Optional[float]]], maximize: bool) -> Optional[str]:
    order = ranked(scores, maximize)
    return order[0] if order else None
