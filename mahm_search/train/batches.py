"""Training batches whose order is a pure function of (seed, step): resuming at step s yields exactly
the batches an uninterrupted run would have seen from step s on, with no loader state to save.

Each epoch is a fresh permutation drawn from a generator seeded with (seed, epoch); step s takes the
next batch_size indices of the concatenated epochs (batches may straddle an epoch boundary).
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Sampler


def epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=g)


def step_indices(n: int, batch_size: int, seed: int, step: int) -> list[int]:
    start = step * batch_size
    out: list[int] = []
    while len(out) < batch_size:
        epoch, offset = divmod(start + len(out), n)
        order = epoch_order(n, seed, epoch)
        out.extend(order[offset : offset + batch_size - len(out)].tolist())
    return out


class StepBatchSampler(Sampler[list[int]]):
    def __init__(self, n: int, batch_size: int, seed: int, start_step: int, end_step: int):
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.start_step, self.end_step = start_step, end_step

    def __len__(self) -> int:
        return max(0, self.end_step - self.start_step)

    def __iter__(self) -> Iterator[list[int]]:
        for step in range(self.start_step, self.end_step):
            yield step_indices(self.n, self.batch_size, self.seed, step)


def train_batches(ds: Dataset, batch_size: int, seed: int, start_step: int, end_step: int,
                  num_workers: int = 0, pin_memory: bool = False) -> DataLoader:
    """Batches for steps start_step..end_step-1. Worker seeds depend on (seed, start_step) only;
    with num_workers=0 augmentation draws from the global RNGs, which checkpoints restore."""
    sampler = StepBatchSampler(len(ds), batch_size, seed, start_step, end_step)
    return DataLoader(ds, batch_sampler=sampler, num_workers=num_workers, pin_memory=pin_memory,
                      generator=torch.Generator().manual_seed(seed * 7919 + start_step),
                      persistent_workers=False)


def val_batches(ds: Dataset, batch_size: int, num_workers: int = 0, pin_memory: bool = False) -> DataLoader:
    return DataLoader(ds, batch_size=batch_size, shuffle=False, num_workers=num_workers, pin_memory=pin_memory)
