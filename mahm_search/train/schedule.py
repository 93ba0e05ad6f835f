"""Learning-rate schedule: linear warm-up, then cosine decay, step decay or constant (as a LambdaLR)."""

from __future__ import annotations

import bisect
import math

import torch

from .spec import TrainSpec


def lr_factor(step: int, spec: TrainSpec) -> float:
    """Multiplier of spec.lr for optimizer step `step` (0-based)."""
    if step < spec.warmup_steps:
        return (step + 1) / (spec.warmup_steps + 1)
    if spec.schedule == "cosine":
        span = max(1, spec.steps - spec.warmup_steps)
        progress = min(1.0, (step - spec.warmup_steps) / span)
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if spec.schedule == "step":
        milestones = sorted(round(f * spec.steps) for f in spec.step_milestones)
        return spec.step_gamma ** bisect.bisect_right(milestones, step)
    return 1.0


def make_scheduler(optimizer: torch.optim.Optimizer, spec: TrainSpec) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, spec))


def scheduled_lr(scheduler: torch.optim.lr_scheduler.LambdaLR, spec: TrainSpec) -> float:
    """The LR the next optimizer step uses, as LambdaLR computes it, without reading the optimizer's
    LR (a device tensor for a compiled or captured step: reading it would sync the host)."""
    return spec.lr * lr_factor(scheduler.last_epoch, spec)
