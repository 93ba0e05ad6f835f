"""`mahm-search train CONFIG.yaml --out DIR`: one run with a progress bar; resumes from
DIR/checkpoint.pt when it exists, and writes DIR/history.csv (step and every metric)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from ..config import load_trial_config
from ..errors import MahmError
from .checkpoint import CHECKPOINT_NAME
from .history_csv import HistoryCsvReporter, write_history
from .progress import ProgressReporter
from .reporter import MultiReporter
from .result import TrainResult
from .trainer import train


class TrainingStopped(MahmError):
    """The run stopped early (e.g. a non-finite loss); history.csv holds what was done."""


def train_command(config_path: Path, out: Path, console: Console | None = None) -> TrainResult:
    config = load_trial_config(config_path)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    console = console or Console()
    if (out / CHECKPOINT_NAME).exists():
        console.print(f"resuming from {out / CHECKPOINT_NAME}")
    progress = ProgressReporter(config.train.steps, console)
    try:
        result = train(config, MultiReporter(progress, HistoryCsvReporter(out / "history.csv")), run_dir=out)
    finally:
        progress.close()
    write_history(out / "history.csv", result.history)
    if result.status != "complete":
        raise TrainingStopped(f"{config_path}: {result.message} (history in {out / 'history.csv'})")
    final = result.final_metrics
    console.print(f"done: {result.steps_done} steps in {result.wall_time_s:.1f} s, "
                  f"score {final.get('score', float('nan')):.2f}, params {result.params_count:,}, "
                  f"peak memory {result.memory_peak_bytes / 2**20:.0f} MiB")
    weights = ", ".join(f"{k}={v:.3g}" for k, v in result.loss_weights.items())
    console.print(f"loss weights: {weights}")
    console.print(f"wrote {out / 'history.csv'} and {out / CHECKPOINT_NAME}")
    return result
