"""Training batches whose order and augmentation are pure functions of (seed, step): resuming at step s
yields exactly the batches an uninterrupted run would have seen from step s on, whatever the number of
DataLoader workers, with no loader state to save.

Each epoch is a fresh permutation drawn from a generator seeded with (seed, epoch); step s takes the
next batch_size indices of the concatenated epochs (batches may straddle an epoch boundary). The k-th
sample of step s is draw s * batch_size + k, and its augmentation draws from an RNG seeded with
(seed, draw), never from a process-global RNG that a worker or a resume would see in another state.
"""

from __future__ import annotations

import os
from typing import Iterator, List, Tuple, Union

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

AUGMENT_STREAM = 0xA06  # keeps the augmentation RNGs apart from other streams seeded by the train seed
# DataLoader workers that 'auto' starts at most per trial: an InterHand2.6M sample takes ~2 ms of one core
# (bench_loader.py), so a GPU step that trains thousands of samples a second needs many of them.
AUTO_WORKERS_MAX = 16
CPUS_ENV = "MAHM_SEARCH_CPUS"  # CPU cores this trial may use, set by the search backends


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


def draw_rng(seed: int, draw: int) -> np.random.Generator:
    """The augmentation RNG of one sample draw: the same in any process, worker or resumed run."""
    return np.random.default_rng([seed % 2**64, AUGMENT_STREAM, draw])  # numpy takes no negative seed


class StepBatchSampler(Sampler[List[Tuple[int, int]]]):
    """Yields each step's [(sample index, draw number), ...]."""

    def __init__(self, n: int, batch_size: int, seed: int, start_step: int, end_step: int):
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.start_step, self.end_step = start_step, end_step

    def __len__(self) -> int:
        return max(0, self.end_step - self.start_step)

    def __iter__(self) -> Iterator[List[Tuple[int, int]]]:
        for step in range(self.start_step, self.end_step):
            first = step * self.batch_size
            yield [(i, first + k) for k, i in enumerate(step_indices(self.n, self.batch_size, self.seed, step))]


class LoaderView(Dataset):
    """What a DataLoader reads of a dataset: compact samples (uint8 images, data/sample.py) by index, or
    by (index, draw) with the draw's augmentation RNG draw_rng(seed, draw). A dataset without `draw`
    (no augmentation and no compact form of its own) is indexed plainly."""

    def __init__(self, ds: Dataset, seed: int = 0):
        self.ds, self.seed = ds, seed

    def __len__(self) -> int:
        return len(self.ds)

    def __getitem__(self, key: Union[int, Tuple[int, int]]):
        index, draw = key if isinstance(key, tuple) else (key, None)
        if not hasattr(self.ds, "draw"):
            return self.ds[index]
        return self.ds.draw(index, None if draw is None else draw_rng(self.seed, draw), compact=True)


def train_batches(ds: Dataset, batch_size: int, seed: int, start_step: int, end_step: int,
                  num_workers: int = 0, pin_memory: bool = False) -> DataLoader:
    """Batches for steps start_step..end_step-1, the same tensors for any num_workers; images may come
    compact (uint8): train/step/step.py to_device makes them the model's input."""
    sampler = StepBatchSampler(len(ds), batch_size, seed, start_step, end_step)
    # No cv2.setNumThreads(1) in the workers: with OpenCV 5's pthreads pool, calling it in a child forked
    # after the parent ran a parallel OpenCV op blocks forever (pthread_join on the parent's threads).
    # Its own generator: the loader's base seed is then not drawn from (and does not advance) torch's global RNG.
    return DataLoader(LoaderView(ds, seed), batch_sampler=sampler, num_workers=num_workers,
                      pin_memory=pin_memory, generator=torch.Generator().manual_seed(seed * 7919 + start_step),
                      persistent_workers=False)


def val_batches(ds: Dataset, batch_size: int, num_workers: int = 0, pin_memory: bool = False) -> DataLoader:
    """The split in order, unaugmented; compact images like train_batches. Iterate it at every evaluation:
    its workers persist between evaluations (no fork of the trial process each time), and keep the
    shards they decoded."""
    return DataLoader(LoaderView(ds), batch_size=batch_size, shuffle=False, num_workers=num_workers,
                      pin_memory=pin_memory, persistent_workers=num_workers > 0)


def cpu_share() -> int:
    """CPU cores this trial may use: what the search backend gave it ($MAHM_SEARCH_CPUS: the host's cores
    split among the study's worker processes, or Ray's cpus_per_trial), else this process's affinity."""
    given = os.environ.get(CPUS_ENV, "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def loader_workers(requested: Union[int, str], device: torch.device, ds: Dataset) -> int:
    """data.num_workers, with 'auto' resolved. On CUDA the step runs on the GPU, so the trial's other cores
    decode and crop: one worker per core of its share but one (the main process feeds the GPU), at most
    AUTO_WORKERS_MAX. On the CPU the step itself uses every core, so loading stays in the main process; so
    does a dataset that renders its samples in each process (synthetic data with the cache off)."""
    if requested != "auto":
        return int(requested)
    if device.type != "cuda" or getattr(ds, "renders_in_each_process", False):
        return 0
    return max(0, min(AUTO_WORKERS_MAX, cpu_share() - 1))
