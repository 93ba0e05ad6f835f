"""A stand-in trainer (the one loop, fake_trainer.fake_steps) that keeps train()'s preemption contract
(train/preempt.py): it reads the stop request after every step, then checkpoints that step and raises
Preempted; it resumes from run_dir/checkpoint.pt (JSON) and notes each step it trains in
run_dir/steps.log, so a test can see that no step was trained twice or skipped."""

from __future__ import annotations

import os
from pathlib import Path

from mahm_search.train import preempt
from mahm_search.train.result import TrainResult

from .fake_trainer import fake_steps

STEP_S = float(os.environ.get("MAHM_FAKE_STEP_S", "0.2"))


def fake_train_preemptible(config, reporter, run_dir: Path) -> TrainResult:
    def trained(step: int) -> None:
        with open(Path(run_dir) / "steps.log", "a") as f:
            f.write(f"{step}\n")

    return fake_steps(config, reporter, run_dir, step_s=STEP_S, trained=trained,
                      stop_reason=lambda step: preempt.requested())


def steps_trained(run_dir: Path) -> list[int]:
    return [int(x) for x in (Path(run_dir) / "steps.log").read_text().split()]
