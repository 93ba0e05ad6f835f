"""Kernel scratch memory that a fake run cannot see, added back as fake allocations.

Under FakeTensorMode each op only creates its outputs; buffers a real kernel allocates inside itself
never appear. On CPU, oneDNN convolutions (torch 2.13) allocate one output-sized buffer in the forward
(computed there, then copied into the returned tensor) and one grad_output-sized copy in the backward;
benchmarks/bench_memory.py measured these with the profiler's memory timeline. `KernelScratch`
allocates a fake tensor of that size around the op, so MemTracker counts it exactly while the op runs.
On CUDA the cuDNN workspace is covered by memory.CUDA_ALLOCATOR_OVERHEAD instead.
"""

from __future__ import annotations

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten


def _nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


class KernelScratch(TorchDispatchMode):
    """Enter inside MemTracker (so its scratch allocations are tracked); no-op off CPU."""

    def __init__(self, device: torch.device):
        super().__init__()
        self.enabled = torch.device(device).type == "cpu" and torch.backends.mkldnn.is_available()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if not self.enabled:
            return func(*args, **kwargs)
        if func is aten.convolution.default:
            out = func(*args, **kwargs)
            scratch = torch.empty(_nbytes(out), dtype=torch.uint8, device=out.device)
            del scratch  # lives only while the kernel runs
            return out
        if func is aten.convolution_backward.default:
            grad_out = args[0]
            scratch = torch.empty(_nbytes(grad_out), dtype=torch.uint8, device=grad_out.device)
            out = func(*args, **kwargs)
            del scratch
            return out
        return func(*args, **kwargs)
