"""A whole training step (forward, backward, clip, AdamW) as one CUDA graph, replayed every step.

The recipe of PyTorch's "whole network capture": a few real steps on a side stream first (cuDNN/cuBLAS
pick their algorithms, AdamW creates its state, torch.compile finishes compiling), then one capture
into static input tensors; every later step copies its batch into them and replays. The warm-up
steps are genuine training steps, so the run's mathematics is unchanged. Needs static shapes, no host
reads inside the step, and a capturable optimizer (fast_step.py arranges all three).
"""

from __future__ import annotations

from typing import Callable

import torch

from .step import StepOutput

WARMUP_STEPS = 3  # eager (or compiled) steps before the capture; PyTorch's docs use 3 (11 under DDP)


class CapturedStep:
    def __init__(self, step: Callable[[dict], StepOutput], model: torch.nn.Module,
                 optimizer: torch.optim.Optimizer, warmup: int = WARMUP_STEPS):
        self.step, self.model, self.optimizer, self.warmup = step, model, optimizer, warmup
        self.calls = 0
        self.graph: torch.cuda.CUDAGraph | None = None
        self.static_batch: dict | None = None
        self.static_out: StepOutput | None = None

    @property
    def calls_until_captured(self) -> int:
        return self.warmup + 1

    def __call__(self, batch: dict) -> StepOutput:
        self.calls += 1
        if self.graph is None and self.calls <= self.warmup:
            return self._side_stream(batch)
        if self.graph is None:
            self._capture(batch)
        for name, value in batch.items():
            self.static_batch[name].copy_(value, non_blocking=True)
        self.graph.replay()
        # The next replay overwrites the static outputs: hand out copies.
        return StepOutput(loss=self.static_out.loss.clone(),
                          terms={t: v.clone() for t, v in self.static_out.terms.items()})

    def _side_stream(self, batch: dict) -> StepOutput:
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            out = self.step(batch)
        torch.cuda.current_stream().wait_stream(stream)
        return out

    def _capture(self, batch: dict) -> None:
        """Records one step into a graph; recording runs no kernel, so nothing is trained by it."""
        self.static_batch = {k: v.clone() for k, v in batch.items()}
        torch.cuda.synchronize()
        torch.cuda.empty_cache()  # the warm-up's cached blocks cannot serve the graph's private pool
        graph = torch.cuda.CUDAGraph()
        self.optimizer.zero_grad(set_to_none=True)  # the gradients are allocated from the graph's pool
        with torch.cuda.graph(graph):
            self.static_out = self.step(self.static_batch)
        self.graph = graph
