"""Cross-process admission of trials to one device by their memory estimates (`--workers auto`).

The worker processes of one `mahm-search run` share a small JSON ledger in the study folder
(`<name>_packing/<device>.json`, guarded by an flock on `<device>.lock`). It lists the trials that run
on the device (`running`) and those waiting for room (`waiting`), each with its memory estimate and the
process that holds it. A trial starts only when `packing.fits` says its estimate fits next to the
running trials' estimates (plus the oldest waiter's, so a large trial is not starved by small ones
that keep slipping past it); otherwise its worker polls until one ends. Admission is by estimate,
never by trial and error. A trial whose estimate alone exceeds the budget never gets here: the memory
gate prunes it first (and `admit` refuses it at once).

Entries are keyed by process: those of a process that no longer exists (SIGKILL, power loss; a pid
reused by another process is told apart by its start time) are dropped by whoever reads the ledger
next, so a dead worker never blocks the others.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Optional

from ...files import atomic_write
from .rule import fits

POLL_S = 0.5


def process_start(pid: int) -> Optional[str]:
    """The process's start time (Linux /proc), to tell a reused pid from the original; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22 (starttime), counted after the comm field


def process_alive(pid: int, start: Optional[str]) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    if start is None:
        return True
    now = process_start(pid)
    return now is None or now == start


class MemoryLedger:
    """Admission to one device shared by processes: `admit(key, estimate, budget)` waits until the trial
    fits, `release(key)` when it ends, however it ends. Keys are unique per trial (e.g. its number)."""

    def __init__(self, path: str | Path, poll_s: float = POLL_S):
        self.path = Path(path)
        self.lock_path = self.path.with_suffix(".lock")
        self.poll_s = poll_s
        self.pid = os.getpid()
        self._start = process_start(self.pid)

    # -- the file --------------------------------------------------------------------------------
    @contextmanager
    def _locked(self):
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                state, before = self._read()
                yield state
                if state != before:  # a waiting worker polls every poll_s: no write (and fsync) per look
                    self._write(state)
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _read(self) -> tuple[Dict[str, Dict[str, dict]], Optional[dict]]:
        """(live state, the file's content as read: None when missing or unreadable)."""
        try:
            stored = json.loads(self.path.read_text())
        except (OSError, ValueError):
            stored = None
        state = {part: dict((stored or {}).get(part) or {}) for part in ("running", "waiting")}
        for part in state.values():  # a dead worker's entries never block the others
            for key in [k for k, e in part.items() if not process_alive(int(e["pid"]), e.get("start"))]:
                del part[key]
        return state, stored

    def _write(self, state: dict) -> None:
        text = json.dumps(state, indent=1, sort_keys=True)
        atomic_write(self.path, lambda f: f.write(text.encode()))  # a reader never sees half a file

    def _entry(self, estimate_bytes: int, **extra) -> dict:
        return {"pid": self.pid, "start": self._start, "estimate_bytes": int(estimate_bytes),
                "since": time.time(), **extra}

    # -- admission -------------------------------------------------------------------------------
    def running(self) -> Dict[str, int]:
        """{key: estimate} of the trials running on the device now (live processes only)."""
        with self._locked() as state:
            return {k: int(e["estimate_bytes"]) for k, e in state["running"].items()}

    def try_admit(self, key: str, estimate_bytes: int, budget_bytes: int) -> bool:
        """Admit now if the trial fits next to the running ones and the oldest waiter; never waits.
        A trial that does not fit is entered as waiting (so it is kept a place), until admitted or
        released."""
        key = str(key)
        if not fits(estimate_bytes, [], budget_bytes):
            return False  # never fits alone: it must not keep a place that blocks the others
        with self._locked() as state:
            running, waiting = state["running"], state["waiting"]
            if key in running:
                raise ValueError(f"trial {key!r} is already admitted")
            others = [int(e["estimate_bytes"]) for e in running.values()]
            head = min(waiting, key=lambda k: (waiting[k]["since"], k), default=None)
            if head is not None and head != key:
                others.append(int(waiting[head]["estimate_bytes"]))  # its place is kept
            if fits(estimate_bytes, others, budget_bytes):
                waiting.pop(key, None)
                running[key] = self._entry(estimate_bytes)
                return True
            waiting.setdefault(key, self._entry(estimate_bytes))
            return False

    def admit(self, key: str, estimate_bytes: int, budget_bytes: int, timeout: Optional[float] = None,
              on_wait: Optional[Callable[[Dict[str, int]], None]] = None) -> bool:
        """Wait until the trial fits, then admit it. False at once when it can never fit alone, or when
        `timeout` ran out (its waiting entry is then withdrawn). `on_wait(running)` is called once, when
        the trial first has to wait."""
        if not fits(estimate_bytes, [], budget_bytes):
            return False
        deadline = None if timeout is None else time.monotonic() + timeout
        waited = False
        try:
            while not self.try_admit(key, estimate_bytes, budget_bytes):
                if not waited and on_wait is not None:
                    on_wait(self.running())
                waited = True
                if deadline is not None and time.monotonic() >= deadline:
                    self._withdraw(key)
                    return False
                time.sleep(self.poll_s)
        except BaseException:  # Ctrl-C while waiting: leave no waiting entry behind
            self._withdraw(key)
            raise
        return True

    def _withdraw(self, key: str) -> None:
        with self._locked() as state:
            state["waiting"].pop(str(key), None)

    def release(self, key: str) -> None:
        """The trial ended (complete, pruned, failed): its memory is free for waiting trials."""
        with self._locked() as state:
            state["running"].pop(str(key), None)
            state["waiting"].pop(str(key), None)
