"""A Reporter that keeps out/history.csv (step and every metric) current after every evaluation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..files import atomic_write
from .reporter import Reporter


def write_history(path: Path, history: list[dict]) -> None:
    atomic_write(path, lambda f: f.write(pd.DataFrame(history).to_csv(index=False).encode()))


class HistoryCsvReporter(Reporter):
    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: list[dict] = []

    def start(self, info: dict) -> None:
        self.rows = list(info.get("history") or [])  # a resumed run continues the earlier rows

    def report(self, step: int, metrics: dict[str, float]) -> None:
        self.rows.append({"step": step, **metrics})
        write_history(self.path, self.rows)
