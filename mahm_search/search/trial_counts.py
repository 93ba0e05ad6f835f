"""Which trials count toward a study's n_trials.

Counted ("done"): COMPLETE, PRUNED, and FAIL trials that failed with an error (user attr `error`).
Not counted: FAIL trials whose process died (SIGKILL, Ctrl-C): RetryHeartbeatStaleTrialCallback
re-queues them as WAITING retries, which count once they finish. So after any interruption a rerun
reaches exactly n_trials finished trials, with any number of workers: a worker starts a trial only
while counted plus RUNNING trials are fewer than n_trials, checked under the storage's AskLock
(search/optuna/ask_lock.py).
Nor an errored FAIL whose configuration `run --retry-failed` queued again (system attr
RETRY_OF_FAILED on the new trial): the new trial counts instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import optuna
from optuna.trial import TrialState

from ..study.record import TrialRecord

RETRY_OF_FAILED = "retry_of_failed"  # on a trial queued by --retry-failed: the errored trial's number


@dataclass
class TrialCounts:
    done: int
    running: int
    waiting: int
    by_state: dict


def counts_done(t: optuna.trial.FrozenTrial, superseded: frozenset = frozenset()) -> bool:
    return t.state in (TrialState.COMPLETE, TrialState.PRUNED) or (
        t.state == TrialState.FAIL and TrialRecord.of(t).error is not None and t.number not in superseded)


def superseded_failures(trials: list[optuna.trial.FrozenTrial]) -> frozenset:
    """Numbers of errored trials that --retry-failed queued again."""
    return frozenset(t.system_attrs[RETRY_OF_FAILED] for t in trials if RETRY_OF_FAILED in t.system_attrs)


def count_trials(trials: list[optuna.trial.FrozenTrial]) -> TrialCounts:
    by_state: dict = {}
    for t in trials:
        by_state[t.state.name] = by_state.get(t.state.name, 0) + 1
    superseded = superseded_failures(trials)
    return TrialCounts(done=sum(counts_done(t, superseded) for t in trials),
                       running=by_state.get("RUNNING", 0), waiting=by_state.get("WAITING", 0),
                       by_state=by_state)
