"""Packing trials on one GPU by their memory estimates (issue 10, `--workers auto`, Ray `pack_gpu`).

Admission is by estimate, never by trial and error: a trial starts only when its estimate fits in what
the running trials' estimates leave of the budget; otherwise its worker waits until a trial ends. A
trial whose estimate alone exceeds the budget is never admitted (the memory gate prunes it first).

Estimates (memory/estimate.py, MemoryEstimate.bytes) each include the CUDA context. Trials that run as
threads of one process share one context: pass it as `shared_bytes`, and the packer counts it once
instead of once per trial. Pure logic, no torch: tests drive it with fake estimates.
"""

from __future__ import annotations

import threading
from typing import Dict, Hashable, Optional, Sequence


def fits(estimate_bytes: int, running_estimates: Sequence[int], budget_bytes: int, shared_bytes: int = 0) -> bool:
    """The admission rule: the running trials' estimates plus this one, each less the shared part (one
    process's CUDA context), plus the shared part once, within the budget."""
    own = lambda b: max(0, int(b) - shared_bytes)  # noqa: E731
    return shared_bytes + sum(own(b) for b in running_estimates) + own(estimate_bytes) <= budget_bytes


class MemoryPacker:
    """Thread-safe admission of trials to one device.

    admit(trial, estimate) blocks until the trial fits (or returns False at once when it can never fit,
    or after `timeout` seconds); release(trial) when it ends, however it ends.
    """

    def __init__(self, budget_bytes: int, shared_bytes: int = 0, max_trials: Optional[int] = None):
        if budget_bytes <= 0:
            raise ValueError(f"budget_bytes must be positive, got {budget_bytes}")
        self.budget_bytes, self.shared_bytes, self.max_trials = budget_bytes, shared_bytes, max_trials
        self._running: Dict[Hashable, int] = {}
        self._changed = threading.Condition()

    @property
    def running(self) -> Dict[Hashable, int]:
        with self._changed:
            return dict(self._running)

    def in_use_bytes(self) -> int:
        """What the running trials' estimates add up to, the shared part once."""
        with self._changed:
            return self._in_use()

    def _in_use(self) -> int:
        if not self._running:
            return 0
        return self.shared_bytes + sum(max(0, b - self.shared_bytes) for b in self._running.values())

    def can_ever_fit(self, estimate_bytes: int) -> bool:
        return fits(estimate_bytes, [], self.budget_bytes, self.shared_bytes)

    def _fits_now(self, estimate_bytes: int) -> bool:
        if self.max_trials is not None and len(self._running) >= self.max_trials:
            return False
        return fits(estimate_bytes, list(self._running.values()), self.budget_bytes, self.shared_bytes)

    def try_admit(self, trial: Hashable, estimate_bytes: int) -> bool:
        """Admit now if it fits; never waits."""
        with self._changed:
            return self._take(trial, estimate_bytes)

    def admit(self, trial: Hashable, estimate_bytes: int, timeout: Optional[float] = None) -> bool:
        """Wait until the trial fits, then admit it. False: it can never fit, or `timeout` ran out."""
        if not self.can_ever_fit(estimate_bytes):
            return False
        with self._changed:
            return self._changed.wait_for(lambda: self._take(trial, estimate_bytes), timeout=timeout)

    def _take(self, trial: Hashable, estimate_bytes: int) -> bool:
        if trial in self._running:
            raise ValueError(f"trial {trial!r} is already admitted")
        if not self._fits_now(estimate_bytes):
            return False
        self._running[trial] = int(estimate_bytes)
        return True

    def release(self, trial: Hashable) -> None:
        """The trial ended (complete, pruned, failed): its memory is free for waiting trials."""
        with self._changed:
            self._running.pop(trial, None)
            self._changed.notify_all()


def auto_workers(budget_bytes: int, smallest_estimate_bytes: int, shared_bytes: int = 0,
                 cpu_count: int = 1, cap: int = 16) -> int:
    """How many worker threads `--workers auto` starts on one GPU: as many as the smallest trial of the
    space could run side by side (more would only wait), at most one per CPU core and `cap`, at least 1.
    Which of them actually run at once is still decided per trial by MemoryPacker.admit."""
    own = max(1, smallest_estimate_bytes - shared_bytes)
    by_memory = max(1, (budget_bytes - shared_bytes) // own)
    return int(max(1, min(by_memory, cpu_count, cap)))
