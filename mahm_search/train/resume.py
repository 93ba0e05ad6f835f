"""Resuming a run: a checkpoint only continues the configuration that wrote it."""

from __future__ import annotations

from pathlib import Path

from ..config import flatten_dotted
from .checkpoint import CheckpointError

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
