"""Stand-ins for the Ray backend tests (and the subprocess workers'): variants of the one stand-in loop
(fake_trainer.fake_steps: Reporter calls, run_dir/checkpoint.pt written after each eval's report, resume
from it) in milliseconds, and a memory planner whose estimate grows with the batch size."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

from mahm_search.memory import unplanned
from mahm_search.train.result import TrainResult

from . import fake_trainer
from .fake_trainer import fake_steps

STEP_SLEEP_S = float(os.environ.get("MAHM_FAKE_STEP_S", "0.05"))
BYTES_PER_SAMPLE = 1000


def fake_train(config, reporter, run_dir: Path) -> TrainResult:
    """The loop (fake_trainer.fake_steps) as it is: JSON checkpoints, STEP_SLEEP_S per step."""
    return fake_steps(config, reporter, run_dir, step_s=STEP_SLEEP_S)


def pickle_by_value(cloudpickle) -> None:
    """Ray's workers do not have tests/ on their path: ship these stand-ins, and the loop they call, by value."""
    for module in (fake_trainer, sys.modules[__name__]):
        cloudpickle.register_pickle_by_value(module)


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
