"""Graceful preemption of search workers: signals -> checkpoint at the next step -> the trial is
queued to resume -> the run exits EXIT_PREEMPTED (75) with one line; plus the event log lines.
Imported lazily: `mahm-search run` installs the handlers before it loads optuna or torch."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "log_event": ".events", "EXIT_PREEMPTED": ".requeue", "PreemptedRun": ".requeue",
    "mark_interrupted": ".requeue", "preempted_run": ".requeue", "requeue_preempted": ".requeue",
    "SIGNALS": ".signals", "forward_to": ".signals", "graceful_signals": ".signals", "stop_requested": ".signals",
})
