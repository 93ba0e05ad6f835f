"""TensorBoard through torch.utils.tensorboard: one event folder per trial (`trial_N/`: each eval's
metrics as scalars against steps, the config as text, the end as hparams with the final metrics and
memory figures) and `study/` (the best configuration). Default folder: `<study folder>/<name>_tensorboard`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from .base import Tracker, flat_params


class TensorBoardTracker(Tracker):
    name = "tensorboard"

    def __init__(self, spec, log_dir: str | None = None):
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401  (fails here when tensorboard is missing)

        self.root = Path(log_dir) if log_dir else spec.folder / f"{spec.name}_tensorboard"
        if not self.root.is_absolute():
            self.root = spec.folder / self.root
        self.writers: Dict[int, Any] = {}

    def _writer(self, number: int):
        if number not in self.writers:
            from torch.utils.tensorboard import SummaryWriter

            self.writers[number] = SummaryWriter(log_dir=str(self.root / f"trial_{number}"))
        return self.writers[number]

    def trial_start(self, number: int, config: dict, params: dict) -> None:
        writer = self._writer(number)
        writer.add_text("config", "```\n" + json.dumps(config, indent=1) + "\n```")
        writer.add_text("params", json.dumps(params))

    def trial_step(self, number: int, step: int, metrics: Dict[str, float]) -> None:
        writer = self._writer(number)
        for key, value in metrics.items():
            writer.add_scalar(f"eval/{key}", value, step)
        writer.flush()

    def trial_end(self, number: int, end: Dict[str, Any]) -> None:
        writer = self._writer(number)
        results = {f"final/{k}": v for k, v in end["final_metrics"].items()}
        results.update(end["memory"])
        for name, value in zip(end["objectives"], end["values"] or []):
            results[f"objective/{name}"] = value
        for key, value in results.items():
            writer.add_scalar(key, value, end.get("steps_done") or 0)
        hparams = {**flat_params(end["params"]), "state": end["state"]}
        writer.add_hparams(hparams, {f"hparam/{k}": v for k, v in results.items()}, run_name=".")
        writer.close()
        self.writers.pop(number, None)

    def study_best(self, best: Dict[str, Any]) -> None:
        from torch.utils.tensorboard import SummaryWriter

        with SummaryWriter(log_dir=str(self.root / "study")) as writer:
            writer.add_text("best_configuration", "```\n" + json.dumps(best, indent=1, default=str) + "\n```")
            writer.add_scalar("best/score_mean", best["score"], best["n"])

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()
