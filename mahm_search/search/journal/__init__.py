"""Optuna's JournalStorage with a heartbeat: a journal study recovers killed trials (heartbeat.py)."""

from .heartbeat import HeartbeatJournalStorage, stamps_dir

__all__ = ["HeartbeatJournalStorage", "stamps_dir"]
