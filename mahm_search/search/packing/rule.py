"""Packing trials on one GPU by their memory estimates (`--workers auto`, Ray `pack_gpu`).

Admission is by estimate, never by trial and error: a trial starts only when its estimate fits in what
the running trials' estimates leave of the budget; otherwise its worker waits until a trial ends. A
trial whose estimate alone exceeds the budget is never admitted (the memory gate prunes it first).

Estimates (memory/estimate.py, MemoryEstimate.bytes) each include the CUDA context. Trials that share
one process would share one context: `shared_bytes` counts it once instead of once per trial. The
admission itself, across worker processes, is search/packing/ledger.py's MemoryLedger. Pure logic, no torch:
tests drive it with fake estimates.
"""

from __future__ import annotations

from typing import Sequence


def fits(estimate_bytes: int, running_estimates: Sequence[int], budget_bytes: int, shared_bytes: int = 0) -> bool:
    """The admission rule: the running trials' estimates plus this one, each less the shared part (one
    process's CUDA context), plus the shared part once, within the budget."""
    own = lambda b: max(0, int(b) - shared_bytes)  # noqa: E731
    return shared_bytes + sum(own(b) for b in running_estimates) + own(estimate_bytes) <= budget_bytes


def auto_workers(budget_bytes: int, smallest_estimate_bytes: int, shared_bytes: int = 0,
                 cpu_count: int = 1, cap: int = 16) -> int:
    """How many worker processes `--workers auto` starts on one GPU: as many as the smallest trial of the
    space could run side by side (more would only wait), at most one per CPU core and `cap`, at least 1.
    Which of them actually run at once is still decided per trial by the MemoryLedger."""
    own = max(1, smallest_estimate_bytes - shared_bytes)
    by_memory = max(1, (budget_bytes - shared_bytes) // own)
    return int(max(1, min(by_memory, cpu_count, cap)))
