"""Graceful preemption of search workers: signals -> checkpoint at the next step -> the trial is
queued to resume -> the run exits EXIT_PREEMPTED (75) with one line; plus the event log lines."""

from .events import log_event
from .requeue import EXIT_PREEMPTED, PreemptedRun, mark_interrupted, preempted_run, requeue_preempted
from .signals import SIGNALS, forward_to, graceful_signals, stop_requested

__all__ = ["EXIT_PREEMPTED", "PreemptedRun", "SIGNALS", "forward_to", "graceful_signals", "log_event", "mark_interrupted",
           "preempted_run", "requeue_preempted", "stop_requested"]
