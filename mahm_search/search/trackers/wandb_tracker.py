"""Weights & Biases through wandb: one run per trial (config: the trial's config; each eval logged at
its step; summary: final metrics, memory figures, objective values, state) grouped under the study's
name, and a `study_best` run. Offline by default (`mode: offline`, files under
`<study folder>/<name>_wandb`; `wandb sync` uploads them later); `mode: online` logs to the server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

from .base import Tracker, flat_params


class WandbTracker(Tracker):
    name = "wandb"

    def __init__(self, spec, project: Optional[str] = None, entity: Optional[str] = None, mode: str = "offline",
                 dir: Optional[str] = None, group: Optional[str] = None, tags: Optional[list] = None):
        import wandb  # noqa: F401

        self.spec = spec
        folder = Path(dir) if dir else spec.folder / f"{spec.name}_wandb"
        self.dir = folder if folder.is_absolute() else spec.folder / folder
        self.kwargs = dict(project=project or spec.name, entity=entity, mode=mode, group=group or spec.name,
                           tags=tags)
        self.runs: Dict[int, Any] = {}

    def _init(self, name: str, config: dict):
        import wandb

        os.environ.setdefault("WANDB_SILENT", "true")
        self.dir.mkdir(parents=True, exist_ok=True)
        return wandb.init(dir=str(self.dir), name=name, config=config, reinit="create_new",
                          settings=wandb.Settings(silent=True, console="off"), **self.kwargs)

    def _run(self, number: int, config: Optional[dict] = None):
        if number not in self.runs:
            self.runs[number] = self._init(f"trial_{number}", flat_params(config))
        return self.runs[number]

    def trial_start(self, number: int, config: dict, params: dict) -> None:
        run = self._run(number, config)
        run.summary.update({f"searched/{k}": str(v) for k, v in params.items()})

    def trial_step(self, number: int, step: int, metrics: Dict[str, float]) -> None:
        self._run(number).log(dict(metrics), step=int(step))

    def trial_end(self, number: int, end: Dict[str, Any]) -> None:
        run = self._run(number, end.get("config"))
        summary = {f"final/{k}": v for k, v in end["final_metrics"].items()}
        summary.update(end["memory"])
        for name, value in zip(end["objectives"], end["values"] or []):
            summary[f"objective/{name}"] = value
        summary["state"] = end["state"]
        if end.get("prune_reason"):
            summary["prune_reason"] = end["prune_reason"]
        run.summary.update(summary)
        run.finish(exit_code=0 if end["state"] in ("COMPLETE", "PRUNED") else 1)
        self.runs.pop(number, None)

    def study_best(self, best: Dict[str, Any]) -> None:
        run = self._init("study_best", flat_params(best["params"]))
        run.summary.update({"best_score_mean": best["score"], "best_n_seeds": best["n"],
                            "best_trials": ", ".join(map(str, best["trials"]))})
        run.finish()

    def close(self) -> None:
        for run in self.runs.values():
            run.finish(exit_code=1)
        self.runs.clear()
