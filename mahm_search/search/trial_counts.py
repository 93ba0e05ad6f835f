"""Which trials count toward a study's n_trials.

Counted ("done"): COMPLETE, PRUNED, and FAIL trials that failed with an error (user attr `error`).
Not counted: FAIL trials whose process died (SIGKILL, Ctrl-C): RetryHeartbeatStaleTrialCallback
re-queues them as WAITING retries, which count once they finish. So after any interruption a rerun
reaches exactly n_trials finished trials (with several workers it may overshoot by workers-1).
"""

from __future__ import annotations

from dataclasses import dataclass

import optuna
from optuna.trial import TrialState

from .record import TrialRecord


@dataclass
class TrialCounts:
    done: int
    running: int
    waiting: int
    by_state: dict


def counts_done(t: optuna.trial.FrozenTrial) -> bool:
    return t.state in (TrialState.COMPLETE, TrialState.PRUNED) or (
        t.state == TrialState.FAIL and TrialRecord.of(t).error is not None)


def count_trials(trials: list[optuna.trial.FrozenTrial]) -> TrialCounts:
    by_state: dict = {}
    for t in trials:
        by_state[t.state.name] = by_state.get(t.state.name, 0) + 1
    return TrialCounts(done=sum(counts_done(t) for t in trials),
                       running=by_state.get("RUNNING", 0), waiting=by_state.get("WAITING", 0),
                       by_state=by_state)
