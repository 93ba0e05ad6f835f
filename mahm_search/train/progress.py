"""How a run shows progress: a rich bar on a terminal (ProgressReporter), plain log lines when stdout
goes to a file (LogLineReporter: `train`, and each trial a study trains in its own process)."""

from __future__ import annotations

import math
import sys
import time
from typing import Callable, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .reporter import Reporter


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def format_duration(seconds: float | None) -> str:
    """'H:MM:SS' (hours not capped at 24); '-' when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def format_log_line(step: int, total: int, loss: float | None = None, score: float | None = None,
                    best: float | None = None, eta_s: float | None = None, prefix: str = "train") -> str:
    """One self-contained line, e.g. 'train step 120/1000 loss 0.3412 score 12.35 best 11.9 eta 0:05:12';
    None prints as '-'. key value pairs in a fixed order, so grep/awk can pull any column from a log."""
    return (f"{prefix} step {step}/{total} loss {_num(loss)} score {_num(score)} best {_num(best)} "
            f"eta {format_duration(eta_s)}")


def timestamped(line: str, file: TextIO | None = None) -> None:
    """Print one log line with the time first, flushed at once (several processes share a log)."""
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", file=file or sys.stdout, flush=True)


class LogLineReporter(Reporter):
    """A line at every evaluation and at least every `every_s` seconds (checked after each step),
    timestamped, flushed at once and never wrapped: for logs on clusters, where a redrawn bar would be
    noise. `train` prints 'train step ...'; a study prints 'trial N step ...' (`prefix`), reads its
    score from the study's metric (`metric`) and shows the study's best so far (`best`, a callable)
    instead of this run's."""

    def __init__(self, total_steps: int, file: TextIO | None = None, every_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, prefix: str = "train", metric: str = "score",
                 best: Callable[[], float | None] | None = None, sink: Callable[[str], None] | None = None):
        self.total, self.every_s, self.clock, self.prefix, self.metric = total_steps, every_s, clock, prefix, metric
        self.study_best = best
        self.sink = sink or (lambda line: timestamped(line, file))
        self.step = self.first = 0
        self.loss = self.score = self.best = None
        self.started = self.last = clock()

    def start(self, info: dict) -> None:
        self.step = self.first = int(info.get("start_step", 0) or 0)
        scores = [h["score"] for h in info.get("history") or [] if math.isfinite(h.get("score", math.nan))]
        self.score, self.best = (scores[-1], min(scores)) if scores else (None, None)  # score: lower is better
        self.started = self.last = self.clock()

    def step_end(self, step: int, loss: float) -> None:
        self.step, self.loss = step, loss
        if self.clock() - self.last >= self.every_s:
            self.emit()

    def report(self, step: int, metrics: dict[str, float]) -> None:
        self.step, self.score = step, metrics.get(self.metric)
        if self.score is not None and math.isfinite(self.score):
            self.best = self.score if self.best is None else min(self.best, self.score)
        self.emit()

    def emit(self) -> None:
        now = self.clock()
        done = self.step - self.first  # steps of this process only: a resumed run's rate starts afresh
        eta = (now - self.started) / done * (self.total - self.step) if done > 0 else None
        best = self.study_best() if self.study_best is not None else self.best
        self.sink(format_log_line(self.step, self.total, self.loss, self.score, best, eta, prefix=self.prefix))
        self.last = now


class ProgressReporter(Reporter):
    def __init__(self, total_steps: int, console: Console | None = None):
        self.total = total_steps
        self.progress = Progress(
            TextColumn("[bold]train"), BarColumn(), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"), TextColumn("score {task.fields[score]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, transient=False, refresh_per_second=2)  # a 10 Hz redraw thread took GIL time from small-op training
        self.task = None

    def start(self, info: dict) -> None:
        history = info.get("history") or []
        score = f"{history[-1]['score']:.2f}" if history else "-"
        self.progress.start()
        self.task = self.progress.add_task("train", total=self.total, completed=info.get("start_step", 0),
                                           loss="-", score=score)

    def step_end(self, step: int, loss: float) -> None:
        self.progress.update(self.task, completed=step, loss=f"{loss:.4g}")

    def report(self, step: int, metrics: dict[str, float]) -> None:
        score = metrics.get("score", math.nan)
        self.progress.update(self.task, score=f"{score:.2f}")

    def stop(self, reason: str, step: int, message: str) -> None:
        self.close()

    def close(self) -> None:
        self.progress.stop()
