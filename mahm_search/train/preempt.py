"""A request to stop training at the next step, checkpointed: how a preemption reaches the trainer.

The trainer only reads the request (`requested()`, once per step); nothing in train/ installs a
signal handler, so train() called from Python (a notebook) keeps Python's own Ctrl-C
(KeyboardInterrupt). The search workers set the request from their signal handlers
(search/preempt/signals.py); a Ray trial, in another process than its driver's handlers, also
watches a request its driver stores in the study (`watch`, polled at most once a second).
After the checkpoint the trainer raises `Preempted`: the run can continue from that checkpoint with
no step lost.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

_reason: Optional[str] = None
_source: Optional[Callable[[], Optional[str]]] = None
_every_s = 1.0
_polled = 0.0


class Preempted(Exception):
    """Training stopped on request after checkpointing step `step` (run_dir/checkpoint.pt)."""

    def __init__(self, reason: str, step: int, checkpointed: bool):
        self.reason, self.step, self.checkpointed = reason, step, checkpointed
        where = "checkpointed" if checkpointed else "no run folder, nothing checkpointed"
        super().__init__(f"preempted by {reason} at step {step} ({where})")


def request(reason: str) -> None:
    """Ask the running trainer (in this process) to checkpoint at its next step and stop."""
    global _reason
    if _reason is None:
        _reason = reason


def requested() -> Optional[str]:
    """The reason a stop was asked for (e.g. 'SIGTERM'), else None. Cheap: read at every step."""
    global _polled
    if _reason is None and _source is not None and time.monotonic() - _polled >= _every_s:
        _polled = time.monotonic()
        found = _source()
        if found:
            request(found)
    return _reason


def clear() -> None:
    global _reason, _source
    _reason, _source = None, None


def watch(source: Optional[Callable[[], Optional[str]]], every_s: float = 1.0) -> None:
    """Also stop when `source()` returns a reason (a driver asking a trial in another process)."""
    global _source, _every_s, _polled
    _source, _every_s, _polled = source, every_s, 0.0
