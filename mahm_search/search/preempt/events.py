"""Preemption and requeue events as plain log lines: one line per event, greppable in a cluster's
log file, in the progress lines' format (`YYYY-MM-DD HH:MM:SS trial N ...`):

    2026-12-07 17:02:11 preempt signal SIGTERM: the running trial checkpoints at its next step (a second signal exits at once)
    2026-12-07 17:02:12 trial 3 preempted step 37/100 reason SIGTERM: checkpointed, queued to resume as trial 5
    2026-12-07 17:05:40 trial 5 resumed step 37/100 from trial_3/checkpoint.pt (retry of trial 3)
    2026-12-07 17:05:40 slurm requeue job 1234_3 reason timeout
"""

from __future__ import annotations

import sys
import time


def log_event(line: str) -> None:
    """One line on stdout with the time, flushed at once (a log file, not the live display)."""
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", file=sys.stdout, flush=True)
