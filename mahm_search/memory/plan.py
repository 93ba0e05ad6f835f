"""Fit a config into a memory budget: estimate it, and if it does not fit, rescue it without
changing the maths (activation checkpointing, then micro-batches with gradient accumulation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from ..config import TrialConfig, micro_batch_problem
from .estimate import estimate_memory


@dataclass
class MemoryPlan:
    config: TrialConfig  # the config to train: the input, or a rescued copy of it
    estimate_bytes: int  # what the budget is compared with (CUDA: with its allowances)
    original_estimate_bytes: int
    rescue: str  # "none", or e.g. "checkpointing=stages+backbone, micro_batches=4"
    fits: bool
    method: str
    estimate_tensor_bytes: Optional[int] = None  # the tensor peak alone: what a run measures


def _with(config: TrialConfig, checkpointing: list[str], micro_batches: int) -> TrialConfig:
    train = config.train.model_copy(update={"checkpointing": checkpointing, "micro_batches": micro_batches})
    return config.model_copy(update={"train": train})


def rescue_ladder(config: TrialConfig) -> list[tuple[str, TrialConfig]]:
    """Rescues to try, mildest first: checkpoint the stages, then the backbone too, then micro-batches
    (divisors of the batch, so every micro-batch is equal, and none too small for BatchNorm) on top.
    Settings already on are kept."""
    spec = config.train
    ladder, checkpointing = [], list(spec.checkpointing)
    for part in ("stages", "backbone"):
        if part not in checkpointing:
            checkpointing = checkpointing + [part]
            ladder.append((checkpointing, spec.micro_batches))
    micro = spec.micro_batches * 2
    while micro <= spec.batch_size:
        # never a micro-batch too small to train (config.micro_batch_problem): prune for memory instead
        if spec.batch_size % micro == 0 and micro_batch_problem(spec.batch_size, micro, config.arch.input_size) is None:
            ladder.append((checkpointing, micro))
        micro *= 2
    return [(_describe(c, m), _with(config, c, m)) for c, m in ladder]


def _describe(checkpointing: list[str], micro_batches: int) -> str:
    parts = [f"checkpointing={'+'.join(checkpointing)}"] if checkpointing else []
    if micro_batches > 1:
        parts.append(f"micro_batches={micro_batches}")
    return ", ".join(parts)


def plan_memory(config: TrialConfig, budget_bytes: int | None, device: str | torch.device) -> MemoryPlan:
    """Estimate `config`; if over `budget_bytes`, try the rescue ladder until one fits.
    None budget: estimate only. Nothing fits: fits=False with the original config."""
    original = estimate_memory(config, device)
    plan = MemoryPlan(config=config, estimate_bytes=original.bytes, original_estimate_bytes=original.bytes,
                      rescue="none", fits=True, method=original.method, estimate_tensor_bytes=original.tensor_bytes)
    if budget_bytes is None or original.bytes <= budget_bytes:
        return plan
    for rescue, rescued in rescue_ladder(config):
        found = estimate_memory(rescued, device)
        if found.bytes <= budget_bytes:
            return MemoryPlan(config=rescued, estimate_bytes=found.bytes, original_estimate_bytes=original.bytes,
                              rescue=rescue, fits=True, method=found.method, estimate_tensor_bytes=found.tensor_bytes)
    plan.fits = False
    return plan


def unplanned(config: TrialConfig, estimate_bytes: int = 0, fits: bool = True) -> MemoryPlan:
    """A plan made without estimating (tests, benchmarks): the config as it is."""
    return MemoryPlan(config=config, estimate_bytes=estimate_bytes, original_estimate_bytes=estimate_bytes,
                      rescue="none", fits=fits, method="none")
