"""Progress of a study run. On a terminal: a live rich display (trials done / total, the current
trial's step and score, the best value so far, an ETA) plus one line per finished trial. When the
output is not a terminal (a log file on a cluster): no display, but plain, never-wrapped lines on
stdout: a line per finished trial, and per running trial one at every eval and at least every
LOG_EVERY_S seconds (trial, step/total, loss, score, best, ETA: train/progress.py's format)."""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional

import optuna
from optuna.trial import TrialState
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..results import primary_value
from ..train.progress import LogLineReporter, format_duration, format_log_line, timestamped
from ..train.reporter import Reporter
from ..study.record import TrialRecord

LOG_EVERY_S = 60.0

STATE_STYLE = {"COMPLETE": "green", "PRUNED": "yellow", "FAIL": "red"}


class _StepBar(Reporter):
    """Terminal mode: moves the running trial's step bar."""

    def __init__(self, progress: "SearchProgress"):
        self.progress = progress

    def start(self, info: dict) -> None:
        self.progress.trial_step(int(info.get("start_step", 0) or 0))

    def step_end(self, step: int, loss: float) -> None:
        self.progress.trial_step(step)


class SearchProgress:
    def __init__(self, total: int, metric: str, maximize: bool, workers: int = 1,
                 console: Optional[Console] = None, plain: Optional[bool] = None,
                 log_every_s: float = LOG_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.total = total
        self.metric = metric
        self.maximize = maximize
        self.workers = workers
        self.console = console or Console(stderr=True)
        # plain: stdout is no terminal (a log file); explicit for tests
        self.plain = (not sys.stdout.isatty()) if plain is None else plain
        self.log_every_s, self.clock = log_every_s, clock
        self.local_trial: Optional[int] = None  # the trial trained in this process, if any
        self.seen_evals: dict[int, int] = {}  # other processes' trials: last eval step logged
        self.last_logged: dict[int, float] = {}
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
        if not self.plain:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if not self.plain:
            self.bar.stop()

    def log(self, line: str) -> None:
        """One plain line on stdout with a timestamp, flushed at once, never wrapped."""
        timestamped(line)

    # -- in-process events ------------------------------------------------------------------
    def reporter_for(self, trial, number: int, steps: int) -> Reporter:
        """What shows the trial trained in this process: a log line at each eval and every
        log_every_s (plain), or the step bar. The trial runs it before its own reporter, so an eval's
        line is printed before the pruner may stop the trial there."""
        self.local_trial = number
        if self.plain:
            return LogLineReporter(steps, every_s=self.log_every_s, clock=self.clock, prefix=f"trial {number}",
                                   metric=self.metric, best=lambda: self.best, sink=self.log)
        self.bar.reset(self.step_task, description=f"trial {number}", total=steps, completed=0,
                       info="", visible=True)
        self.step_fraction = 0.0
        return _StepBar(self)

    def trial_step(self, step: int) -> None:
        if self.plain:
            return
        total = self.bar.tasks[self.step_task].total or 1
        self.step_fraction = min(1.0, step / total)
        self.bar.update(self.step_task, completed=step)

    def trial_eval(self, step: int, value: float) -> None:
        if self.plain:
            return
        self.bar.update(self.step_task, info=f"{self.metric} {value:.4g} @ {step}")

    # -- from storage (any backend, any worker) ----------------------------------------------
    def refresh(self, trials: list[optuna.trial.FrozenTrial], done: int) -> None:
        if self.done_at_start is None:
            self.done_at_start = done
            self.seen_finished = {t.number for t in trials if t.state.is_finished()}
        self.done = done
        for t in trials:
            value = primary_value(t)
            if t.state == TrialState.COMPLETE and value is not None:  # first: the line shows it
                if self.best is None or (value > self.best if self.maximize else value < self.best):
                    self.best = value
            if t.state.is_finished() and t.number not in self.seen_finished:
                self.seen_finished.add(t.number)
                self._print_finished(t)
        self.done = done
        running = [t for t in trials if t.state == TrialState.RUNNING]
        if self.plain:
            self._log_running(t for t in running if t.number != self.local_trial)
            return
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

    def _log_running(self, running) -> None:
        """Trials of other processes (workers, Ray): a line at each new eval in storage, and one at
        least every log_every_s (loss and ETA are not in storage: '-')."""
        now = self.clock()
        for t in running:
            last = max(t.intermediate_values) if t.intermediate_values else 0
            new_eval = last > self.seen_evals.get(t.number, 0)
            if not new_eval and now - self.last_logged.get(t.number, now - self.log_every_s) < self.log_every_s:
                continue
            self.seen_evals[t.number], self.last_logged[t.number] = last, now
            steps = ((TrialRecord.of(t).config or {}).get("train") or {}).get("steps", 0)
            self.log(format_log_line(last, steps, None, t.intermediate_values.get(last), self.best, None,
                                     prefix=f"trial {t.number}"))

    def _eta(self) -> str:
        finished_here = self.done - (self.done_at_start or 0) + self.step_fraction
        remaining = self.total - self.done - self.step_fraction
        if finished_here <= 0 or remaining <= 0:
            return "-"
        return format_duration((time.perf_counter() - self.started) / finished_here * remaining)

    def _print_finished(self, t: optuna.trial.FrozenTrial) -> None:
        state = t.state.name
        record = TrialRecord.of(t)
        style = STATE_STYLE.get(state, "white")
        if state == "COMPLETE":
            detail = f"{self.metric} {primary_value(t):.4g}"
        elif state == "PRUNED":
            detail = f"reason {record.prune_reason or '?'}"
        else:
            detail = str(record.error or _interrupted(record))  # whole: the error is the point
        steps = f"  ({record.steps_done} steps)" if record.steps_done is not None else ""
        if self.plain:
            best = f"{self.best:.4g}" if self.best is not None else "-"
            self.log(f"trial {t.number} {state.lower()} {detail}{steps} [{self.done}/{self.total} done, best {best}]")
            return
        self.console.print(f"[{style}]trial {t.number} {state.lower()}[/] {detail}{steps}", highlight=False,
                           soft_wrap=True)


def _interrupted(record: TrialRecord) -> str:
    got = record.interrupted
    if not got:
        return "process died; it will be retried"
    return f"interrupted by {got.get('reason')} at step {got.get('step')}; it resumes from there"
