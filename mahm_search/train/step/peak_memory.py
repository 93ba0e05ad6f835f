"""Peak tensor memory of a training run: the same quantity the memory estimate predicts
(memory.estimate_memory's `tensor_bytes`), so a study's records let users check the estimator.

CUDA: torch.cuda.max_memory_allocated after reset_peak_memory_stats (every step, tensors only, no
allocator cache or CUDA context).
CPU: torch has no allocation high-water mark, and the process's RSS adds allocator, thread and library
memory (~10% and more) that the estimate does not predict. So the run's first step runs under the
profiler's memory events, with AdamW's state created just before it (as the estimator's trace does,
and with the values AdamW's first step would give it, so nothing changes): the bytes live before the
step (parameters, buffers, optimizer state, the batch) plus the peak of its allocation/free timeline.
It must be the first step: the profiler cannot see a block allocated before it start being freed
(last step's gradients), which would count twice. The method of benchmarks/bench_memory.py.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Callable, Iterable, Optional

import torch
from torch.profiler import ProfilerActivity, profile

from .step import init_adamw_state


def _live_bytes(tensors: Iterable[Any]) -> int:
    """Bytes of the distinct storages behind `tensors` (views and shared storages counted once)."""
    seen, total = set(), 0
    for t in tensors:
        if torch.is_tensor(t) and t.device.type != "meta":
            storage = t.untyped_storage()
            if storage.data_ptr() not in seen:
                seen.add(storage.data_ptr())
                total += storage.nbytes()
    return total


def _state_tensors(model: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: dict) -> list:
    params = list(model.parameters())
    state = [v for s in optimizer.state.values() for v in s.values()]
    return params + list(model.buffers()) + [p.grad for p in params] + state + list(batch.values())


@contextlib.contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for a moment (C++ code writes there, below sys.stderr)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class PeakMemory:
    def __init__(self, device: torch.device):
        self.device = device
        self.step_peak: Optional[int] = None  # CPU: the measured step's tensor peak
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)

    def wants(self, steps_run: int) -> bool:
        """Measure this step? CPU only: the first step this process runs."""
        return self.device.type != "cuda" and steps_run == 0

    def measure(self, step_fn: Callable, batch: dict, model: torch.nn.Module,
                optimizer: torch.optim.Optimizer) -> Any:
        """Run `step_fn(batch)` under the profiler's memory events; keep its tensor peak."""
        if not optimizer.state:
            init_adamw_state(optimizer)
        before = _live_bytes(_state_tensors(model, optimizer, batch))
        prof = profile(activities=[ProfilerActivity.CPU], profile_memory=True)
        with _native_stderr_silenced():  # libkineto prints 'profiler_start' to fd 2: not for a user
            prof.start()
        try:
            out = step_fn(batch)
        finally:
            with _native_stderr_silenced():
                prof.stop()
        events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                        key=lambda e: e.start_ns())
        current = peak = 0
        for e in events:  # allocations positive, frees negative: the live-bytes timeline
            current += e.nbytes()
            peak = max(peak, current)
        self.step_peak = before + peak
        return out

    def peak_bytes(self) -> Optional[int]:
        """The run's tensor peak in bytes; None on CPU when no step was measured (a resumed run
        that had no step left)."""
        if self.device.type == "cuda":
            return int(torch.cuda.max_memory_allocated(self.device))
        return self.step_peak
