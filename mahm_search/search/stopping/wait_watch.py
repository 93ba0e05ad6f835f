"""The wait loop's guard: a worker that waits for other trials gives up once none of them beats.

A RUNNING trial whose worker beats is alive, however long its steps take, so waiting on it is fine.
One that does not beat is failed by recovery.py after the grace period; if it is still RUNNING well
after that (a clock far off, a storage that refuses the update), waiting longer cannot help."""

from __future__ import annotations

import time
from typing import Optional

from .recovery import liveness
from .stop import StudyStopped


class WaitWatch:
    def __init__(self, spec, clock=time.monotonic):
        self.spec = spec
        self.clock = clock
        self.silent_since: Optional[float] = None

    def reset(self) -> None:
        self.silent_since = None

    def check(self, study) -> None:
        grace = self.spec.heartbeat.grace_period
        ages = liveness(study)
        if any(age is not None and age <= grace for age in ages.values()):
            self.reset()
            return
        now = self.clock()
        if self.silent_since is None:
            self.silent_since = now
        limit = grace + 2 * self.spec.heartbeat.interval + 1
        if now - self.silent_since > limit:
            shown = ", ".join(str(n) for n in sorted(ages)) or "none"
            raise StudyStopped(
                f"{self.spec.path}: gave up waiting after {now - self.silent_since:.0f} s: the study needs no new "
                f"trial, but its RUNNING trials ({shown}) have not beaten for longer than the grace period "
                f"({grace} s) and could not be failed; check `mahm-search status {self.spec.path}` and rerun "
                f"the same command")
