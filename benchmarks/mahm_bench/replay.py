"""The simulated clock: a trial of one configuration trains some of its recorded seeds in lockstep,
revealing the table's curve evaluation by evaluation, each costing its recorded seconds per step.

A search records what it finished in a Log: (clock, config, final scores of the seeds it trained to the
end). Pruned or failed trials cost their time and leave nothing in the log, as in a real study, where
only completed trials give a configuration's score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .table import Table


@dataclass
class Log:
    events: list = field(default_factory=list)  # (clock_s, config index, [final score per seed])
    stated: list = field(default_factory=list)  # per event: the method's own "winner resolved" flag, or None

    def add(self, clock: float, config: int, finals: list, stated: Optional[bool] = None) -> None:
        self.events.append((clock, config, list(finals)))
        self.stated.append(stated)

    def state_at(self, budget: float) -> tuple[dict, Optional[bool]]:
        """{config: [final scores]} of everything finished by `budget`, and the last stated flag."""
        runs: dict = {}
        flag = None
        for (clock, c, finals), s in zip(self.events, self.stated):
            if clock > budget:
                break
            runs.setdefault(c, []).extend(finals)
            flag = s
        return runs, flag


class Clock:
    """Compute spent so far (device-seconds, one trial at a time) against a table."""

    def __init__(self, table: Table, gate: bool):
        self.table, self.gate, self.now = table, gate, 0.0

    def train(self, c: int, seeds: list, keep_going: Callable[[int, float], bool]) -> Optional[list]:
        """Train config c on these seed indices. keep_going(eval index, mean score so far) is asked after
        every evaluation but the last; False stops the trial. Returns the final scores per seed, or None
        when the trial was stopped, diverged or did not fit (an infeasible config costs its die cost per
        seed without the memory gate, nothing with it)."""
        t = self.table
        if not t.feasible[c]:
            self.now += 0.0 if self.gate else t.die_cost_s[c] * len(seeds)
            return None
        previous = 0
        for e, step in enumerate(t.steps):
            self.now += (step - previous) * float(np.sum(t.s_per_step[c, seeds]))
            previous = step
            values = t.curves[c, seeds, e]
            if not np.all(np.isfinite(values)):
                return None
            if e < len(t.steps) - 1 and not keep_going(e, float(values.mean())):
                return None
        return [float(v) for v in t.curves[c, seeds, -1]]

    def full_cost(self, c: int, n_seeds: int) -> float:
        t = self.table
        return float(t.steps[-1] * np.nanmean(t.s_per_step[c]) * n_seeds) if t.feasible[c] else 0.0
