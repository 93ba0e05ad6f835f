"""`balance: auto` (report section 2.3): rescale the loss weights so every term starts at about the
same magnitude; the user's weights then act as relative priorities.

weight_t = priority_t / magnitude_t, where magnitude_t is term t's mean (unweighted) value over the
first `balance_steps` training batches, measured with the untrained network before the first step.
Every weighted term then starts at its priority (all 1 by default), so priorities within 10x of each
other keep all terms within one order of magnitude.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch

TINY = 1e-12  # a term that measures ~0 (nothing valid in the calibration batches) keeps its priority


def measure_magnitudes(terms_of: Callable[[dict], dict], batches: Iterable[dict]) -> dict[str, float]:
    """Mean of each term over `batches`; `terms_of(batch)` returns the unweighted terms."""
    sums: dict[str, float] = {}
    n = 0
    with torch.no_grad():
        for batch in batches:
            for t, v in terms_of(batch).items():
                sums[t] = sums.get(t, 0.0) + float(v)
            n += 1
    return {t: s / max(1, n) for t, s in sums.items()}


def balanced_weights(magnitudes: dict[str, float], priorities: dict[str, float]) -> dict[str, float]:
    out = dict(priorities)
    for t, m in magnitudes.items():
        if t in out and m > TINY and torch.isfinite(torch.tensor(m)):
            out[t] = priorities[t] / m
    return out


def calibrate(model: torch.nn.Module, terms_of: Callable[[dict], dict],
              batches: Iterable[dict]) -> dict[str, float]:
    """Measure term magnitudes in training mode without changing the model: BatchNorm running
    statistics are restored afterwards so the run is the same as one without calibration."""
    saved = {k: v.clone() for k, v in model.named_buffers()}
    try:
        return measure_magnitudes(terms_of, batches)
    finally:
        with torch.no_grad():
            for k, v in model.named_buffers():
                v.copy_(saved[k])
