"""Live progress of a study run (rich): trials done / total, the current trial's step and score,
the best value so far and an ETA; plus one printed line per finished trial (also in logs/CI)."""

from __future__ import annotations

import time
from typing import Optional

import optuna
from optuna.trial import TrialState
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..train.reporter import Reporter
from .record import TrialRecord

STATE_STYLE = {"COMPLETE": "green", "PRUNED": "yellow", "FAIL": "red"}


class _StepReporter(Reporter):
    """Forwards to the trial's reporter and moves the step bar."""

    def __init__(self, inner: Reporter, progress: "SearchProgress"):
        self.inner = inner
        self.progress = progress

    def start(self, info: dict) -> None:
        self.inner.start(info)
        self.progress.trial_step(int(info.get("start_step", 0) or 0))

    def step_end(self, step: int, loss: float) -> None:
        self.inner.step_end(step, loss)
        self.progress.trial_step(step)

    def report(self, step: int, metrics: dict[str, float]) -> None:
        self.inner.report(step, metrics)

    def stop(self, reason: str, step: int, message: str) -> None:
        self.inner.stop(reason, step, message)


class SearchProgress:
    def __init__(self, total: int, metric: str, maximize: bool, workers: int = 1,
                 console: Optional[Console] = None):
        self.total = total
        self.metric = metric
        self.maximize = maximize
        self.workers = workers
        self.console = console or Console(stderr=True)
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("{task.fields[info]}"),
                            console=self.console, refresh_per_second=2, transient=False)
        self.trials_task = self.bar.add_task("trials", total=total, info="")
        self.step_task = self.bar.add_task("trial -", total=1, info="", visible=False)
        self.started = time.perf_counter()
        self.done_at_start: Optional[int] = None
        self.done = 0
        self.best: Optional[float] = None
        self.seen_finished: set[int] = set()
        self.step_fraction = 0.0

    def __enter__(self) -> "SearchProgress":
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()

    # -- in-process events ------------------------------------------------------------------
    def wrap_reporter(self, reporter: Reporter, number: int, steps: int) -> Reporter:
        self.bar.reset(self.step_task, description=f"trial {number}", total=steps, completed=0,
                       info="", visible=True)
        self.step_fraction = 0.0
        return _StepReporter(reporter, self)

    def trial_step(self, step: int) -> None:
        total = self.bar.tasks[self.step_task].total or 1
        self.step_fraction = min(1.0, step / total)
        self.bar.update(self.step_task, completed=step)

    def trial_eval(self, step: int, value: float) -> None:
        self.bar.update(self.step_task, info=f"{self.metric} {value:.4g} @ {step}")

    # -- from storage (any backend, any worker) ----------------------------------------------
    def refresh(self, trials: list[optuna.trial.FrozenTrial], done: int) -> None:
        if self.done_at_start is None:
            self.done_at_start = done
            self.seen_finished = {t.number for t in trials if t.state.is_finished()}
        for t in trials:
            if t.state.is_finished() and t.number not in self.seen_finished:
                self.seen_finished.add(t.number)
                self._print_finished(t)
            if t.state == TrialState.COMPLETE and t.value is not None:
                if self.best is None or (t.value > self.best if self.maximize else t.value < self.best):
                    self.best = t.value
        self.done = done
        running = [t for t in trials if t.state == TrialState.RUNNING]
        if self.workers > 1 and running:
            parts = []
            for t in running:
                last = max(t.intermediate_values) if t.intermediate_values else None
                parts.append(f"#{t.number}" + (f" {self.metric} {t.intermediate_values[last]:.4g}@{last}"
                                                if last is not None else ""))
            self.bar.update(self.step_task, description="running", info=", ".join(parts), visible=True,
                            total=1, completed=0)
        best = f"best {self.best:.4g}" if self.best is not None else "best -"
        self.bar.update(self.trials_task, completed=min(done, self.total), info=f"{best}  ETA {self._eta()}")

    def _eta(self) -> str:
        finished_here = self.done - (self.done_at_start or 0) + self.step_fraction
        remaining = self.total - self.done - self.step_fraction
        if finished_here <= 0 or remaining <= 0:
            return "-"
        seconds = (time.perf_counter() - self.started) / finished_here * remaining
        return time.strftime("%H:%M:%S", time.gmtime(seconds))

    def _print_finished(self, t: optuna.trial.FrozenTrial) -> None:
        state = t.state.name
        record = TrialRecord.of(t)
        style = STATE_STYLE.get(state, "white")
        if state == "COMPLETE":
            detail = f"{self.metric} {t.value:.4g}"
        elif state == "PRUNED":
            detail = f"reason {record.prune_reason or '?'}"
        else:
            detail = str(record.error or "process died; it will be retried")[:120]
        steps = record.steps_done
        self.console.print(f"[{style}]trial {t.number} {state.lower()}[/] {detail}"
                           + (f"  ({steps} steps)" if steps is not None else ""), highlight=False)
