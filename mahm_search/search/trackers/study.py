"""The trackers of one study run: built from the study file, told of each trial's end by an Optuna
callback (study.optimize's `callbacks`), and of the best configuration when the run ends."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .base import TrackerSet, memory_figures
from .spec import TRACKERS


def make_trackers(spec) -> TrackerSet:
    """The study's trackers (an empty set when it names none)."""
    from .mlflow_tracker import MlflowTracker
    from .tensorboard import TensorBoardTracker
    from .wandb_tracker import WandbTracker

    classes = {"tensorboard": TensorBoardTracker, "mlflow": MlflowTracker, "wandb": WandbTracker}
    assert set(classes) == set(TRACKERS)
    made = TrackerSet([])
    for entry in getattr(spec, "tracker_list", []):
        try:
            made.trackers.append(classes[entry["name"]](spec, **entry["args"]))
        except Exception as err:  # noqa: BLE001 (a tracker that cannot start is a warning, not a failed study)
            made.trackers.append(_Broken(entry["name"]))
            made._off(made.trackers[-1], "start", err)
    return made


class _Broken:
    def __init__(self, name: str):
        self.name = name

    def close(self) -> None: ...


class TrackerCallback:
    """An Optuna callback: each finished trial's end (state, values, record) to every tracker."""

    def __init__(self, trackers: TrackerSet, spec):
        self.trackers = trackers
        self.spec = spec

    def __call__(self, study, trial) -> None:
        if self.trackers:
            self.trackers.trial_end(trial.number, trial_end_of(self.spec, trial))


def trial_end_of(spec, trial) -> Dict[str, Any]:
    from ...study.record import TrialRecord

    record = TrialRecord.of(trial)
    return {"state": trial.state.name, "values": list(trial.values) if trial.values else None,
            "objectives": [o.metric for o in spec.objectives], "final_metrics": dict(record.final_metrics or {}),
            "memory": memory_figures(record), "prune_reason": record.prune_reason, "rescue": record.rescue,
            "steps_done": record.steps_done, "params": spec.search_space.readable(dict(trial.params)),
            "config": record.config}


def best_of(spec, study) -> Optional[Dict[str, Any]]:
    """The best configuration (results' one ranking): its readable params, mean score, CI and trials."""
    from ...results import StudyResults

    best = StudyResults.of(study, spec.objective.direction == "maximize").best()
    if best is None:
        return None
    interval = best.interval
    return {"params": spec.search_space.readable(dict(best.params)), "score": interval.mean,
            "ci": interval.bounds(), "n": interval.n, "metric": spec.objective.metric,
            "trials": [t.number for t in best.done]}


def log_study_best(spec, study) -> None:
    """Every tracker of the study gets its best configuration (end of a run)."""
    if not getattr(spec, "tracker_list", []):
        return
    best = best_of(spec, study)
    trackers = make_trackers(spec)
    try:
        if best is not None:
            trackers.study_best(best)
    finally:
        trackers.close()
