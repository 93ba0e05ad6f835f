"""The one place that touches Optuna's private API (checked on optuna 5.1; a test pins the range).

Optuna has no public way to reach a study's storage and ids from a Study or Trial, or the RDB storage's
table models, and the toolkit needs them: stale-trial recovery and the ask lock read the heartbeat and
system-attribute tables, the Ray backend ends trials whose workers died, the grid sampler's own attrs
say whether a trial was sampled. When an Optuna release moves one of these, only this module changes.
"""

from __future__ import annotations

from typing import Any

CHECKED_OPTUNA = (">=5.0", "<6")  # where these names were read (5.1.0); tests/test_optuna_private.py


def storage_of(study: Any) -> Any:
    """The study's storage (a _CachedStorage around RDBStorage for SQL URLs)."""
    return study._storage


def study_id_of(study: Any) -> int:
    return study._study_id


def trial_id_of(trial: Any) -> int:
    """The storage's id of a live optuna.Trial or a FrozenTrial (not its number)."""
    return trial._trial_id


def rdb_models() -> Any:
    """optuna.storages._rdb.models: the SQLAlchemy tables of the RDB storage."""
    from optuna.storages._rdb import models

    return models


def base_heartbeat() -> Any:
    """optuna.storages._heartbeat.BaseHeartbeat: what a storage implements to have Optuna's heartbeat
    thread, fail_stale_trials and the stale-trial callback (the journal heartbeat, search/journal/)."""
    from optuna.storages._heartbeat import BaseHeartbeat

    return BaseHeartbeat
