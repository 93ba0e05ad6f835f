"""Trackers: what every experiment tracker gets from a study, and the guard that keeps a failing one
from failing a trial.

A tracker receives, per trial: `trial_start` (its config and sampled params, before training),
`trial_step` (each evaluation's metrics), `trial_end` (its state, values, final metrics and memory
figures, from the trial's record; also for trials that never trained, e.g. pruned for memory); and
per study `study_best` (the best configuration). `TrackerSet` calls every tracker and, when one
raises (a full disk, a server that went away), warns once and leaves that tracker off for the rest
of the run: a tracker never fails a trial.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Dict, List, Optional

from ...config import flatten_dotted


class TrackerWarning(UserWarning):
    """A tracker failed and was switched off; the study goes on."""


class Tracker:
    name = "tracker"

    def trial_start(self, number: int, config: dict, params: dict) -> None: ...

    def trial_step(self, number: int, step: int, metrics: Dict[str, float]) -> None: ...

    def trial_end(self, number: int, end: Dict[str, Any]) -> None: ...

    def study_best(self, best: Dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class TrackerSet:
    def __init__(self, trackers: List[Tracker]):
        self.trackers = list(trackers)
        self.failed: Dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self.trackers)

    def _each(self, method: str, *args) -> None:
        for tracker in list(self.trackers):
            try:
                getattr(tracker, method)(*args)
            except Exception as err:  # noqa: BLE001 (whatever a tracker raises, the trial goes on)
                self._off(tracker, method, err)

    def _off(self, tracker: Tracker, method: str, err: BaseException) -> None:
        self.trackers.remove(tracker)
        self.failed[tracker.name] = f"{type(err).__name__}: {err}"
        warnings.warn(TrackerWarning(f"tracker {tracker.name} failed in {method} ({type(err).__name__}: "
                                     f"{' '.join(str(err).split())[:300]}); it is off for the rest of this "
                                     f"run and the study goes on"), stacklevel=3)
        try:
            tracker.close()
        except Exception:  # noqa: BLE001
            pass

    def trial_start(self, number: int, config: dict, params: dict) -> None:
        self._each("trial_start", number, config, params)

    def trial_step(self, number: int, step: int, metrics: Dict[str, float]) -> None:
        self._each("trial_step", number, step, finite(metrics))

    def trial_end(self, number: int, end: Dict[str, Any]) -> None:
        self._each("trial_end", number, end)

    def study_best(self, best: Dict[str, Any]) -> None:
        self._each("study_best", best)

    def close(self) -> None:
        self._each("close")


def finite(metrics: Dict[str, Any]) -> Dict[str, float]:
    return {str(k): float(v) for k, v in (metrics or {}).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


def flat_params(tree: Optional[dict]) -> Dict[str, Any]:
    """A config or params as flat `section.field` keys with scalar values (lists as text)."""
    flat = flatten_dotted(tree or {})
    return {k: (v if isinstance(v, (int, float, str, bool)) else str(v)) for k, v in flat.items() if v is not None}


MIB = 2**20


def memory_figures(record) -> Dict[str, float]:
    """The memory gate's figures of a trial's record, in MiB, and its size and time."""
    out = {}
    for key, name in (("memory_budget_bytes", "memory/budget_mib"), ("memory_estimate_bytes", "memory/estimate_mib"),
                      ("memory_original_estimate_bytes", "memory/estimate_before_rescue_mib"),
                      ("memory_estimate_tensor_bytes", "memory/estimate_tensor_mib"),
                      ("memory_peak_bytes", "memory/peak_mib")):
        value = getattr(record, key, None)
        if value is not None:
            out[name] = float(value) / MIB
    for key in ("params_count", "steps_done", "wall_time_s"):
        value = getattr(record, key, None)
        if value is not None:
            out[key] = float(value)
    return out
