"""A stand-in trainer that keeps train()'s preemption contract (train/preempt.py): it reads the stop
request after every step, then checkpoints that step and raises Preempted; it resumes from
run_dir/checkpoint.pt (JSON) and notes each step it trains in run_dir/steps.log, so a test can see
that no step was trained twice or skipped."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

from mahm_search.train import preempt
from mahm_search.train.result import TrainResult

STEP_S = float(os.environ.get("MAHM_FAKE_STEP_S", "0.2"))


def fake_train_preemptible(config, reporter, run_dir: Path) -> TrainResult:
    spec = config.train
    ckpt = Path(run_dir) / "checkpoint.pt"
    state = json.loads(ckpt.read_text()) if ckpt.is_file() else {"step": 0, "history": []}
    reporter.start({"params_count": 1234, "device": "cpu", "loss_weights": {},
                    "start_step": state["step"], "history": state["history"]})
    for step in range(state["step"] + 1, spec.steps + 1):
        time.sleep(STEP_S)
        with open(Path(run_dir) / "steps.log", "a") as f:
            f.write(f"{step}\n")
        reporter.step_end(step, 1.0 / step)
        state["step"] = step
        if step % spec.eval_every == 0 or step == spec.steps:
            score = 10.0 * abs(math.log10(spec.lr) + 3.0) + 5.0 / step
            metrics = {"score": score, "mpjpe": score, "mpvpe": score, "pa_mpjpe": score, "mrrpe": score}
            state["history"].append({"step": step, **metrics})
            reporter.report(step, metrics)
            ckpt.write_text(json.dumps(state))
        reason = preempt.requested() if step < spec.steps else None
        if reason is not None:
            ckpt.write_text(json.dumps(state))
            raise preempt.Preempted(reason, step, checkpointed=True)
    last = state["history"][-1]
    return TrainResult(status="complete", message="", history=state["history"], steps_done=spec.steps,
                       wall_time_s=0.1, memory_peak_bytes=4321, params_count=1234,
                       final_metrics={k: v for k, v in last.items() if k != "step"})


def steps_trained(run_dir: Path) -> list[int]:
    return [int(x) for x in (Path(run_dir) / "steps.log").read_text().split()]
