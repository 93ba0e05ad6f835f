"""StudyTrial: one trial of the study as the report sees it (state, params, curve, and its record).

Every figure and table starts from these, so the reading of Optuna's storage happens in this one
place; the trial's own record (study/record.py) is read with the one reader the search uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import optuna
from optuna.trial import FrozenTrial, TrialState

from ...results import params_of, primary_value, study_trials, trial_key
from ...study.record import PRUNE_REASONS, TrialRecord

# How a curve ended, when not by completing: the prune_reason user attr, or the trial's state.
END_REASONS = (*PRUNE_REASONS, "failed", "running")


@dataclass
class StudyTrial:
    number: int
    state: str  # COMPLETE | PRUNED | FAIL | RUNNING | WAITING
    params: dict[str, Any]
    steps: list[int]
    values: list[float]
    final: Optional[float]  # the trial's value, else its last reported score
    best: Optional[float]  # best score it ever reported
    end: Optional[str]  # one of END_REASONS, None when it completed
    config_key: str  # the one configuration key (results/_keys.py)
    repeat: int = 0
    seed: Optional[int] = None
    record: TrialRecord = field(default_factory=TrialRecord)
    started: Optional[datetime] = None  # Optuna's datetime_start/complete (the worker's local clock)
    completed: Optional[datetime] = None

    @property
    def has_curve(self) -> bool:
        return bool(self.steps)


def trial_records(study: optuna.Study) -> list[StudyTrial]:
    maximize = study.directions[0] == optuna.study.StudyDirection.MAXIMIZE  # the score's, first
    return [_record(t, maximize) for t in study_trials(study)]


# A trial's `rescue` when the memory gate changed nothing ("none"; older records: "None" or empty).
NO_RESCUE = frozenset({"none", "None", ""})


def rescued(trial: StudyTrial) -> bool:
    """Whether the memory gate rescued this trial's config (checkpointing, micro-batches)."""
    return str(trial.record.rescue or "none") not in NO_RESCUE


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _record(t: FrozenTrial, maximize: bool) -> StudyTrial:
    record = TrialRecord.of(t)
    # a multi-objective study keeps the curve in the record (Optuna takes no intermediate values there)
    points = t.intermediate_values.items() or [(s, v) for s, v in record.curve]
    curve = sorted((int(s), float(v)) for s, v in points if _finite(v))
    steps = [s for s, _ in curve]
    values = [v for _, v in curve]
    value = primary_value(t)
    final = value if t.state == TrialState.COMPLETE and _finite(value) else (values[-1] if values else None)
    scored = values + ([final] if final is not None else [])
    best = (max if maximize else min)(scored) if scored else None
    return StudyTrial(
        number=t.number, state=t.state.name, params=params_of(t), steps=steps, values=values,
        final=final, best=best, end=_end_reason(t, record), config_key=trial_key(t),
        repeat=record.repeat, seed=record.seed, record=record,
        started=t.datetime_start, completed=t.datetime_complete,
    )


def _end_reason(t: FrozenTrial, record: TrialRecord) -> Optional[str]:
    if t.state == TrialState.PRUNED:
        reason = record.prune_reason or "pruner"
        return reason if reason in END_REASONS else "pruner"
    if t.state == TrialState.FAIL:
        return "failed"
    if t.state in (TrialState.RUNNING, TrialState.WAITING):
        return "running"
    return None

