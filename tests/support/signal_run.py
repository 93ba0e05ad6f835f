"""Send one signal to a study's run once its first trial has an eval, at a random moment after it (the
preemption tests on both backends)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from typing import Callable, List, Tuple


def signal_after_first_eval(cmd: List[str], env: dict, trials: Callable[[], list], sig: int,
                            rng: random.Random, wait_s: float, jitter_s: float,
                            running: Callable[[object], bool] = lambda t: True) -> Tuple[int, str, str]:
    """Start `cmd` in its own session, wait (at most wait_s) until trial 0 has an intermediate value
    (and `running(trial)`), sleep up to jitter_s, send `sig` to the process; -> (returncode, stdout,
    stderr). The whole group is killed if it is still there at the end."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:  # some steps done: trial 0 has its first eval
            found = trials()
            if found and found[0].intermediate_values and running(found[0]):
                break
            if proc.poll() is not None:  # say why it ended: its exit status and the end of its stderr
                out, err = proc.communicate()
                raise AssertionError(f"the run ended before the signal (exit {proc.returncode}): {err[-3000:]}")
            time.sleep(0.2)
        time.sleep(rng.uniform(0.0, jitter_s))
        os.kill(proc.pid, sig)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out, err
