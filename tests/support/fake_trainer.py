"""The tests' one family of stand-in trainers for mahm_search.train.trainer.train: `fake_steps` is the one
training loop, which follows train()'s contract (Reporter calls, a TrainResult; optionally a JSON
run_dir/checkpoint.pt after each eval's report, and resume from it) in milliseconds. Every stand-in calls
it, with small parameters for what differs: the eval's metrics, the sleep per step, the loss, whether it
checkpoints, the figures it reports, and hooks (the calls made, each step trained, a stop request, a
failure after an eval). The variants: support/search.py (fake_train, in-process searches), ray_fakes.py
(the Ray backend's and the subprocess workers'), preempt_fakes.py (preemption)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Callable, Optional

from mahm_search.train.result import TrainResult

METRIC_NAMES = ("score", "mpjpe", "mpvpe", "pa_mpjpe", "mrrpe")


def lr_distance_metrics(config, step: int) -> dict:
    """Every metric the same: 10 x the learning rate's distance (in decades) from 1e-3, plus 5/step."""
    score = 10.0 * abs(math.log10(config.train.lr) + 3.0) + 5.0 / step
    return {name: score for name in METRIC_NAMES}


def fake_steps(config, reporter, run_dir, *, metrics: Callable = lr_distance_metrics, step_s: float = 0.0,
               checkpoint: bool = True, loss: Callable = lambda step: 1.0 / step, params_count: int = 1234,
               memory_peak_bytes: int = 4321, calls: Optional[list] = None,
               trained: Optional[Callable] = None, stop_reason: Optional[Callable] = None,
               after_eval: Optional[Callable] = None) -> TrainResult:
    """The stand-ins' one training loop over config.train.steps: sleep step_s per step,
    reporter.step_end(step, loss(step)), and at each eval (every eval_every steps and the last)
    reporter.report(step, metrics(config, step)). With `checkpoint`, it resumes from
    run_dir/checkpoint.pt (JSON: step, history) and writes it after each eval's report; without, it
    starts at step 0 and writes nothing. `calls` gets each config trained; `trained(step)` is told of
    each step trained (before its step_end); `after_eval(step)` runs after each eval (it may raise, as a
    failing run does); `stop_reason(step)` (a preemption request) checkpoints that step and raises
    Preempted. The result has `params_count` and `memory_peak_bytes`, the history and the last eval's
    metrics."""
    from mahm_search.train import preempt

    if calls is not None:
        calls.append(config)
    spec = config.train
    ckpt = Path(run_dir) / "checkpoint.pt" if checkpoint else None
    state = json.loads(ckpt.read_text()) if ckpt is not None and ckpt.is_file() else {"step": 0, "history": []}
    reporter.start({"params_count": params_count, "device": "cpu", "loss_weights": {},
                    "start_step": state["step"], "history": state["history"]})
    for step in range(state["step"] + 1, spec.steps + 1):
        if step_s:
            time.sleep(step_s)
        if trained is not None:
            trained(step)
        reporter.step_end(step, loss(step))
        if step % spec.eval_every == 0 or step == spec.steps:
            evaluated = metrics(config, step)
            state["history"].append({"step": step, **evaluated})
            reporter.report(step, evaluated)
            state["step"] = step
            if ckpt is not None:
                ckpt.write_text(json.dumps(state))
            if after_eval is not None:
                after_eval(step)
        reason = stop_reason(step) if stop_reason is not None and step < spec.steps else None
        if reason is not None:
            state["step"] = step
            ckpt.write_text(json.dumps(state))
            raise preempt.Preempted(reason, step, checkpointed=True)
    last = state["history"][-1]
    return TrainResult(status="complete", message="", history=state["history"], steps_done=spec.steps,
                       wall_time_s=0.1, memory_peak_bytes=memory_peak_bytes, params_count=params_count,
                       final_metrics={k: v for k, v in last.items() if k != "step"})
