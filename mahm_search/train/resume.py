"""Resuming a run: a checkpoint only continues the configuration that wrote it."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

from ..config import flatten_dotted
from .checkpoint import CheckpointError
from .schedule import lr_factor
from .spec import TrainSpec


class ScheduleChangeWarning(UserWarning):
    """A resumed run continues on a learning-rate schedule other than the one it started on."""

# Fields that may change between the interrupted run and its continuation (length of the run, how
# often it evaluates, and the memory-rescue knobs that keep the mathematics).
MAY_CHANGE = {"train.steps", "train.eval_every", "train.checkpoint_every", "train.checkpointing",
              "train.micro_batches", "train.device", "data.num_workers"}


def check_same_config(path: Path, saved: dict, current: dict) -> None:
    a, b = flatten_dotted(saved), flatten_dotted(current)
    diffs = [k for k in sorted(set(a) | set(b)) if k not in MAY_CHANGE and a.get(k) != b.get(k)]
    if diffs:
        shown = ", ".join(f"{k} (checkpoint {a.get(k)!r}, config {b.get(k)!r})" for k in diffs[:5])
        raise CheckpointError(f"{path}: written by a different configuration: {shown}; "
                              "use another run folder or delete the checkpoint")


def schedule_change(path: Path, saved: dict, spec: TrainSpec, step: int) -> Optional[str]:
    """One line saying how the learning-rate schedule changes when a run resumes at `step` with another
    train.steps (the only schedule field that may change), or None when it does not change."""
    old_steps = flatten_dotted(saved).get("train.steps")
    if old_steps is None or old_steps == spec.steps:
        return None
    old = spec.model_copy(update={"steps": old_steps})
    before, after = spec.lr * lr_factor(step, old), spec.lr * lr_factor(step, spec)
    how = (f"the learning rate at step {step} goes from {before:.3g} to {after:.3g}" if before != after
           else f"the learning rate at step {step} stays {after:.3g}")
    return (f"{path}: resuming at step {step} with train.steps {old_steps} -> {spec.steps}: the "
            f"{spec.schedule} schedule is recomputed over the new total, so {how}; to keep the old "
            "schedule, resume with the old train.steps, or start a new run folder to train afresh")


def warn_schedule_change(path: Path, saved: dict, spec: TrainSpec, step: int) -> None:
    line = schedule_change(path, saved, spec, step)
    if line is not None:
        warnings.warn(line, ScheduleChangeWarning, stacklevel=2)
