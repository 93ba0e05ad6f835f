"""`mahm-search run STUDY`: create or continue a study with the backend it names.

Rerunning the same command after any interruption continues the study: finished trials are kept
and never repeated, a killed trial is retried from its checkpoint, and the run stops once the study
holds n_trials counted trials (COMPLETE + PRUNED + errored FAIL; see trial_counts.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..errors import ConfigError
from .study_spec import load_study_spec


def run_study(path: str | Path, n_trials: Optional[int] = None, workers: int = 1,
              backend: Optional[str] = None, address: Optional[str] = None):
    spec = load_study_spec(path)  # validates everything before any trial starts
    total = n_trials if n_trials is not None else spec.n_trials
    if total < 1:
        raise ConfigError([f"{path}: --n-trials: expected a positive number, got {total}"])
    chosen = backend or spec.backend
    if chosen == "ray":
        from .ray import run_ray

        return run_ray(spec, n_trials=total, workers=workers, address=address or spec.ray.address)
    from .optuna_backend import run_optuna

    return run_optuna(spec, n_trials=total, workers=workers)
