"""Activation checkpointing that keeps the mathematics of a normal step.

torch.utils.checkpoint (use_reentrant=False) re-runs the forward during backward. Gradients match, but a
BatchNorm in train mode would update its running statistics a second time; the re-run therefore freezes
them (momentum 0, batch counter restored) so a checkpointed step leaves the same model state.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from torch import nn
from torch.utils.checkpoint import checkpoint


@contextmanager
def frozen_batchnorm_stats(module: nn.Module) -> Iterator[None]:
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.momentum, None if m.num_batches_tracked is None else m.num_batches_tracked.clone()) for m in norms]
    for m in norms:
        m.momentum = 0.0  # running = (1 - 0) * running + 0 * batch: unchanged
    try:
        yield
    finally:
        for m, (momentum, tracked) in zip(norms, saved):
            m.momentum = momentum
            if tracked is not None:
                m.num_batches_tracked.copy_(tracked)


def checkpoint_without_stat_drift(fn: Callable[..., Any], *args: Any) -> Any:
    """checkpoint(fn, *args); the backward-time re-run of an nn.Module `fn` does not touch BN stats."""
    calls = [0]

    def run(*inner: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1 or not isinstance(fn, nn.Module):
            return fn(*inner)
        with frozen_batchnorm_stats(fn):
            return fn(*inner)

    return checkpoint(run, *args, use_reentrant=False)
