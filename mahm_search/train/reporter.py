"""Reporter: how a training run tells its caller (Optuna, Ray Tune, the CLI) what is happening.

Every method is a no-op by default, so a caller overrides only what it needs. `report` may raise
(e.g. optuna.TrialPruned) to stop the run; the trainer does not catch it.
"""

from __future__ import annotations


class Reporter:
    def start(self, info: dict) -> None:
        """Once before the first step. `info` holds: params_count, device, loss_weights (after balance),
        start_step (0, or the step a resumed run continues from), history (steps already done)."""

    def step_end(self, step: int, loss: float) -> None:
        """After every optimizer step (`step` = steps done so far); for progress bars."""

    def report(self, step: int, metrics: dict[str, float]) -> None:
        """After every evaluation: `score` (the objective) plus every validation metric."""

    def stop(self, reason: str, step: int, message: str) -> None:
        """The run stops early; reason 'nan' = the training loss became non-finite."""


class MultiReporter(Reporter):
    """Forwards every call to several reporters in order (e.g. a progress bar and a trial)."""

    def __init__(self, *reporters: Reporter | None):
        self.reporters = [r for r in reporters if r is not None]

    def start(self, info: dict) -> None:
        for r in self.reporters:
            r.start(info)

    def step_end(self, step: int, loss: float) -> None:
        for r in self.reporters:
            r.step_end(step, loss)

    def report(self, step: int, metrics: dict[str, float]) -> None:
        for r in self.reporters:
            r.report(step, metrics)

    def stop(self, reason: str, step: int, message: str) -> None:
        for r in self.reporters:
            r.stop(reason, step, message)
