"""The trainer's Reporter for one Optuna trial: report each eval, ask the pruner, remember the curve."""

from __future__ import annotations

import math
import warnings
from typing import Any, Dict, Optional

import optuna

from ..train.reporter import Reporter
from ..study.record import write_record
from .preempt.resume import resumed_event, system_attrs as _system_attrs


class TrialReporter(Reporter):
    def __init__(self, trial: optuna.Trial, metric: str, on_eval=None, prunable: bool = True):
        self.trial = trial
        # A multi-objective study cannot take intermediate values or prune (Optuna): the curve is kept
        # in the trial's record instead.
        self.prunable = prunable
        self.curve: list = []
        self.on_metrics = None
        self.metric = metric
        self.on_eval = on_eval
        self.info: Dict[str, Any] = {}
        self.last_step = 0
        self.last_metrics: Dict[str, float] = {}
        self.stop_reason: Optional[str] = None

    def start(self, info: dict) -> None:
        self.info = dict(info)
        self.last_step = int(info.get("start_step", 0) or 0)
        if self.last_step or "failed_trial" in _system_attrs(self.trial):  # a retry: where it continues
            write_record(self.trial, resumed_from_step=self.last_step)
            resumed_event(self.trial, self.last_step)

    def step_end(self, step: int, loss: float) -> None:
        self.last_step = step

    def report(self, step: int, metrics: dict[str, float]) -> None:
        self.last_step = step
        self.last_metrics = dict(metrics)
        if self.on_metrics is not None:  # the study's trackers (search/trackers/): every metric of the eval
            self.on_metrics(step, self.last_metrics)
        value = metrics.get(self.metric)
        if value is None or not math.isfinite(value):
            return  # the trainer stops non-finite runs itself (reason 'nan')
        if not self.prunable:
            self.curve.append([int(step), float(value)])
            write_record(self.trial, curve=self.curve)
            if self.on_eval is not None:
                self.on_eval(step, float(value))
            return
        with warnings.catch_warnings():
            # A retry inherits the dead trial's values; Optuna keeps those and ignores a re-report.
            warnings.filterwarnings("ignore", message=".*already reported")
            self.trial.report(float(value), step)
        if self.on_eval is not None:
            self.on_eval(step, float(value))
        if self.trial.should_prune():
            write_record(self.trial, prune_reason="pruner")
            raise optuna.TrialPruned(f"pruned by the pruner at step {step} ({self.metric}={value:.4g})")

    def stop(self, reason: str, step: int, message: str) -> None:
        self.stop_reason = reason
        self.last_step = step
