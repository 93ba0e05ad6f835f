"""Signal handlers of a search worker: SIGTERM, SIGINT or SIGUSR1 (SLURM's preemption warning, e.g.
`--signal=USR1@90`) ask the running trial to checkpoint at its next step and stop (train/preempt.py);
a second signal exits at once (the trial is then a dead process: the stale-trial retry takes it).
Any signal within ECHO_S of the first is taken for its echo, not for the second signal: a Ctrl-C
reaches the whole process group and the parent of several workers forwards it too; SLURM's SIGTERM
reaches every process while a batch script may forward its warning as SIGUSR1.

Installed only around a worker's loop and a Ray trial, in the main thread, and the previous handlers
are restored afterwards: train() called from Python (a notebook) keeps Python's Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

from ...train import preempt
from .events import log_event

ECHO_S = 1.0  # a signal sooner than this after the first is its echo, not a second signal
_SEEN: list = []  # (signum, time) of the signals handled so far
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGUSR1") if hasattr(signal, name))


@contextmanager
def graceful_signals(announce: bool = True, on_signal: Optional[Callable[[int], None]] = None) -> Iterator[Optional[Callable]]:
    """Handle SIGTERM/SIGINT/SIGUSR1 as a preemption inside the block (main thread only; elsewhere a
    no-op). `on_signal(signum)` also runs on every signal (a parent forwarding it to its workers)."""
    if threading.current_thread() is not threading.main_thread():
        yield None
        return
    seen = _SEEN  # shared by nested blocks (run_study's and its worker loop's): one first signal

    def handle(signum, frame) -> None:
        name = signal.Signals(signum).name
        if seen and _now() - seen[0][1] < ECHO_S:
            return  # an echo: the process group's copy and a parent's (or a batch script's) forwarded one
        seen.append((signum, _now()))
        if on_signal is not None:
            on_signal(signum)
        if len(seen) > 1:
            log_event(f"preempt signal {name} again: exiting at once (the trial is retried as a dead one)")
            os._exit(128 + signum)  # the shell's code for a death by this signal
        preempt.request(name)
        if announce:
            log_event(f"preempt signal {name}: the running trial checkpoints at its next step "
                      "(a second signal exits at once)")

    previous = {s: signal.signal(s, handle) for s in SIGNALS}
    try:
        yield handle  # to put back after a library that takes a signal over (Ray Tune)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        preempt.clear()
        _SEEN.clear()


def _now() -> float:
    return time.monotonic()


def stop_requested() -> Optional[str]:
    return preempt.requested()


def forward_to(procs: list) -> Callable[[int], None]:
    """on_signal for a parent of worker processes: pass each signal on to the live ones."""

    def forward(signum: int) -> None:
        for p in procs:
            if p.pid is not None and p.is_alive():
                os.kill(p.pid, signum)

    return forward
