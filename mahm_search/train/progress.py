"""A Reporter that draws a rich progress bar: step, loss, last score and ETA."""

from __future__ import annotations

import math

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from .reporter import Reporter


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
