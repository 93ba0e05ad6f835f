"""A study's results: its trials (read with the storage's retries), grouped into configurations by
the one key (_keys.py), each with its seeds' scores and interval, and the best one (_ranking.py).

Status, the end-of-run summary, the race and the report's tables all read configurations and the
best from here, so they cannot name different ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

from optuna.trial import FrozenTrial, TrialState

from ..study.storage import with_retries
from ._keys import params_of, trial_key
from ._ranking import ranked
from ._stats import Interval, mean_ci


def study_trials(study, states=None) -> list[FrozenTrial]:
    """The study's trials, retried while the database is locked or its schema is being created."""
    return with_retries(lambda: study.get_trials(deepcopy=False, states=states))


def primary_value(trial: FrozenTrial) -> Optional[float]:
    """The trial's score: its value, or in a multi-objective study the first of its values (the
    trainer's metric; the costs follow it). None while it has none."""
    values = trial.values
    return float(values[0]) if values else None


def completed(trial: FrozenTrial) -> bool:
    """COMPLETE with a finite value: a score that counts."""
    value = primary_value(trial)
    return trial.state == TrialState.COMPLETE and value is not None and math.isfinite(value)


@dataclass(frozen=True)
class Configuration:
    key: str
    params: dict  # as Optuna stores them (encoded); a space's `readable` decodes them
    trials: tuple  # every trial of it (queued, running, pruned, failed included), by number

    @property
    def done(self) -> list[FrozenTrial]:
        return [t for t in self.trials if completed(t)]

    @property
    def scores(self) -> list[float]:
        """The completed seeds' final scores, in trial order."""
        return [primary_value(t) for t in self.done]

    @property
    def interval(self) -> Interval:
        """The mean over its seeds with its t interval (none with one seed or zero spread)."""
        return mean_ci(self.scores)

    @property
    def pending(self) -> bool:
        """A seed of it is queued or running."""
        return any(t.state in (TrialState.WAITING, TrialState.RUNNING) for t in self.trials)


class StudyResults:
    def __init__(self, trials: Sequence[FrozenTrial], maximize: bool):
        self.trials = sorted(trials, key=lambda t: t.number)
        self.maximize = maximize
        groups: dict[str, list] = {}
        for t in self.trials:
            groups.setdefault(trial_key(t), []).append(t)
        self.configurations = {k: Configuration(k, params_of(ts[0]), tuple(ts)) for k, ts in groups.items()}

    @classmethod
    def of(cls, study, maximize: bool) -> "StudyResults":
        return cls(study_trials(study), maximize)

    def scores(self) -> dict[str, list[float]]:
        """Completed seeds' scores per configuration key (configurations without one left out)."""
        return {k: c.scores for k, c in self.configurations.items() if c.scores}

    def ranked(self) -> list[Configuration]:
        """Configurations with a completed seed, best first (_ranking.py's one rule)."""
        return [self.configurations[k] for k in ranked(self.scores(), self.maximize)]

    def best(self) -> Optional[Configuration]:
        order = self.ranked()
        return order[0] if order else None

    def best_trial(self) -> Optional[FrozenTrial]:
        """The best single completed trial (one seed: with repeats, the luckiest); the first on a tie."""
        done = [t for t in self.trials if completed(t)]
        return (max if self.maximize else min)(done, key=primary_value) if done else None
