"""What the Ray driver running now knows, for the objects Tune pickled with its experiment.

Tune pickles its callbacks and stopper into the experiment; a restored experiment unpickles copies in
the driver that restores it, and those copies cannot hold references to that driver's study, display
or signal state. So they read it here: run_ray opens one DriverState for its run (`driver_run`) and
every reader asks `current()`. One driver per process; outside a run the state is empty.
"""

from __future__ import annotations

import contextlib
import signal
from dataclasses import dataclass
from typing import Callable, Iterator, Optional


@dataclass
class DriverState:
    study: object = None  # the optuna.Study this driver runs
    progress: object = None  # its SearchProgress (refreshed by progress.StorageProgressCallback)
    stop_reason: Optional[str] = None  # the first trial's stopping error (a full disk): stops them all
    preempt_reason: Optional[str] = None  # the signal that asked the run to stop (preempt/ray_side.py)
    signal_handler: Optional[Callable] = None  # the driver's handler, put back after Tune takes SIGUSR1

    def ask_preempt(self, signum: int) -> Optional[str]:
        """The first signal's name (later ones change nothing); None when it was not the first."""
        if self.preempt_reason is not None:
            return None
        self.preempt_reason = signal.Signals(signum).name
        return self.preempt_reason


_current = DriverState()


def current() -> DriverState:
    return _current


@contextlib.contextmanager
def driver_run(study, progress) -> Iterator[DriverState]:
    """A fresh state for one run_ray (an earlier run's reasons never carry over), emptied after."""
    global _current
    _current = DriverState(study=study, progress=progress)
    try:
        yield _current
    finally:
        _current = DriverState()
