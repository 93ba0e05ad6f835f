"""Kernel scratch memory that a fake run cannot see: the bytes to add while an op runs.

Under FakeTensorMode each op only creates its outputs; buffers a real kernel allocates inside itself
never appear. On CPU, oneDNN convolutions (torch 2.13) allocate one output-sized buffer in the forward
(computed there, then copied into the returned tensor) and one grad_output-sized copy in the backward;
benchmarks/bench_memory.py measured these with the profiler's memory timeline. live.LiveBytes
adds them on top of the live bytes while the op runs. On CUDA the cuDNN workspace is covered by
estimate.CUDA_ALLOCATOR_OVERHEAD instead.
"""

from __future__ import annotations

import torch

aten = torch.ops.aten


def _nbytes(t: torch.Tensor) -> int:
    return t.numel() * t.element_size()


class ScratchRules:
    def __init__(self, device: torch.device):
        self.enabled = torch.device(device).type == "cpu" and torch.backends.mkldnn.is_available()

    def before(self, func, args) -> int:
        """Scratch allocated before the op's outputs (alive while they are created)."""
        if self.enabled and func is aten.convolution_backward.default:
            return _nbytes(args[0])  # the grad_output copy
        return 0

    def after(self, func, out) -> int:
        """Scratch alive together with the op's outputs."""
        if self.enabled and func is aten.convolution.default:
            return _nbytes(out)  # the forward's own output buffer
        return 0
