"""A Reporter that keeps out/history.csv (step and every metric) current after every evaluation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .reporter import Reporter


def write_history(path: Path, history: list[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pd.DataFrame(history).to_csv(tmp, index=False)
    tmp.replace(path)


class HistoryCsvReporter(Reporter):
    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows: list[dict] = []

    def start(self, info: dict) -> None:
        self.rows = list(info.get("history") or [])  # a resumed run continues the earlier rows

    def report(self, step: int, metrics: dict[str, float]) -> None:
        self.rows.append({"step": step, **metrics})
        write_history(self.path, self.rows)
