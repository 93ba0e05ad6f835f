"""Stand-ins for the Ray backend tests: a trainer that follows train()'s contract (Reporter calls,
run_dir/checkpoint.pt written after each eval's report, resume from it) in milliseconds, and a
memory planner whose estimate grows with the batch size."""

from __future__ import annotations

import errno
import json
import math
import os
import time
from pathlib import Path

from mahm_search.memory import unplanned
from mahm_search.train.result import TrainResult

STEP_SLEEP_S = float(os.environ.get("MAHM_FAKE_STEP_S", "0.05"))
BYTES_PER_SAMPLE = 1000


def fake_train(config, reporter, run_dir: Path) -> TrainResult:
    return fake_steps(config, reporter, run_dir, STEP_SLEEP_S)


def fake_steps(config, reporter, run_dir: Path, step_s: float, trained=None, stop_reason=None) -> TrainResult:
    """The stand-ins' one training loop: resume from run_dir/checkpoint.pt (JSON), sleep step_s per
    step, report and checkpoint at each eval. `trained(step)` is told of each step trained;
    `stop_reason(step)` (a preemption request) checkpoints that step and raises Preempted."""
    from mahm_search.train import preempt

    spec = config.train
    ckpt = Path(run_dir) / "checkpoint.pt"
    state = json.loads(ckpt.read_text()) if ckpt.is_file() else {"step": 0, "history": []}
    reporter.start({"params_count": 1234, "device": "cpu", "loss_weights": {},
                    "start_step": state["step"], "history": state["history"]})
    for step in range(state["step"] + 1, spec.steps + 1):
        time.sleep(step_s)
        if trained is not None:
            trained(step)
        reporter.step_end(step, 1.0 / step)
        if step % spec.eval_every == 0 or step == spec.steps:
            score = 10.0 * abs(math.log10(spec.lr) + 3.0) + 5.0 / step
            metrics = {"score": score, "mpjpe": score, "mpvpe": score, "pa_mpjpe": score, "mrrpe": score}
            state["history"].append({"step": step, **metrics})
            reporter.report(step, metrics)
            state["step"] = step
            ckpt.write_text(json.dumps(state))
        reason = stop_reason(step) if stop_reason is not None and step < spec.steps else None
        if reason is not None:
            state["step"] = step
            ckpt.write_text(json.dumps(state))
            raise preempt.Preempted(reason, step, checkpointed=True)
    last = state["history"][-1]
    return TrainResult(status="complete", message="", history=state["history"], steps_done=spec.steps,
                       wall_time_s=0.1, memory_peak_bytes=4321, params_count=1234,
                       final_metrics={k: v for k, v in last.items() if k != "step"})


def fake_plan(config, budget_bytes, device):
    estimate = config.train.batch_size * BYTES_PER_SAMPLE
    return unplanned(config, estimate_bytes=estimate, fits=budget_bytes is None or estimate <= budget_bytes)


def fake_train_dying_once(config, reporter, run_dir: Path) -> TrainResult:
    """fake_train whose worker process dies (os._exit, as when a node is lost or the process is
    killed) right after its second eval's checkpoint, once per trial; the restart then resumes."""
    marker = Path(run_dir) / "died_once"
    ckpt = Path(run_dir) / "checkpoint.pt"
    if ckpt.is_file():
        (Path(run_dir) / "resumed_at").write_text(str(json.loads(ckpt.read_text())["step"]))

    class Dying:
        def __getattr__(self, name):
            return getattr(reporter, name)

        def step_end(self, step, loss):
            reporter.step_end(step, loss)
            if step == 5 and not marker.exists():  # step 4's checkpoint is written and sent to Tune
                marker.write_text("")
                os._exit(1)

    return fake_train(config, Dying(), run_dir)


def fake_train_on_node(config, reporter, run_dir: Path) -> TrainResult:
    """fake_train that leaves the Ray node it ran on in run_dir/node (the two-node test). It holds its
    node's one CPU for a second: a trial that took milliseconds could end before Tune started the next,
    which then ran on the same node, and the test saw one node on a loaded machine."""
    import time

    import ray

    (Path(run_dir) / "node").write_text(ray.get_runtime_context().get_node_id())
    time.sleep(1.0)
    return fake_train(config, reporter, run_dir)


def fake_train_broken(config, reporter, run_dir: Path) -> TrainResult:
    """A trainer that always fails the same way (a systematic error, e.g. a broken install)."""
    raise ValueError(f"boom: cannot train at lr {config.train.lr}")


def fake_train_disk_full(config, reporter, run_dir: Path) -> TrainResult:
    """fake_train on which trial 0's disk fills up while its second eval's checkpoint (step 4) is
    written through atomic_write: the tmp file holds part of it when ENOSPC strikes."""
    from mahm_search.files import atomic_write

    run_dir = Path(run_dir)

    def write_half(f):
        f.write(b"half a checkpoint")
        raise OSError(errno.ENOSPC, "No space left on device")

    class Full:
        def __getattr__(self, name):
            return getattr(reporter, name)

        def report(self, step, metrics):
            reporter.report(step, metrics)
            if step == 4 and run_dir.name == "trial_0":
                atomic_write(run_dir / "checkpoint.pt", write_half)

    return fake_train(config, Full(), run_dir)


def fake_train_noting_resume(config, reporter, run_dir: Path) -> TrainResult:
    """fake_train that leaves the step it resumed from in run_dir/resumed_at."""
    ckpt = Path(run_dir) / "checkpoint.pt"
    if ckpt.is_file():
        (Path(run_dir) / "resumed_at").write_text(str(json.loads(ckpt.read_text())["step"]))
    return fake_train(config, reporter, run_dir)
