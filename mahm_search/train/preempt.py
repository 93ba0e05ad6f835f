"""A request to stop training at the next step, checkpointed: how a preemption reaches the trainer.

The trainer only reads the request (`requested()`, once per step); nothing in train/ installs a
signal handler, so train() called from Python (a notebook) keeps Python's own Ctrl-C
(KeyboardInterrupt). The search workers set the request from their signal handlers
(search/preempt/signals.py); a Ray trial also watches a stop file its driver writes (`watch_file`).
After the checkpoint the trainer raises `Preempted`: the run can continue from that checkpoint with
no step lost.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

_reason: Optional[str] = None
_watched: Optional[Path] = None


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
    if _reason is None and _watched is not None and os.path.exists(_watched):
        request(_read_reason(_watched))
    return _reason


def clear() -> None:
    global _reason, _watched
    _reason, _watched = None, None


def watch_file(path: Optional[Path]) -> None:
    """Also stop when `path` exists (it holds the reason): a driver asking a trial in another process."""
    global _watched
    _watched = Path(path) if path is not None else None


def _read_reason(path: Path) -> str:
    try:
        return path.read_text().strip() or "stop file"
    except OSError:
        return "stop file"
