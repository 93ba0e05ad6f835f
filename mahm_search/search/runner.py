"""`mahm-search run STUDY`: create or continue a study with the backend it names.

Rerunning the same command after any interruption continues the study: finished trials are kept
and never repeated, a killed trial is retried from its checkpoint, and the run stops once the study
holds n_trials counted trials (COMPLETE + PRUNED + errored FAIL; see trial_counts.py). Before any
trial is created, preflight.py checks the data, MANO, the storage and the study folder.
`retry_failed` queues the configurations that failed with an error again (after a fix).
SIGTERM/SIGINT/SIGUSR1 are handled from the start (search/preempt/): the running trial checkpoints
and is queued to resume, and the run ends with PreemptedRun (exit 75).
`workers="auto"`: with Optuna, as many worker processes per device as the space's smallest memory
estimate fits in the budget, trials admitted by estimate (optuna_backend.py); with Ray, as many
concurrent trials as the cluster's resources allow (fractional GPUs by estimate with `pack_gpu`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

from ..errors import ConfigError
from .preempt import graceful_signals
from .preflight import preflight
from ..study.study_spec import load_study_spec


def run_study(path: str | Path, n_trials: Optional[int] = None, workers: Union[int, str] = 1,
              backend: Optional[str] = None, address: Optional[str] = None, retry_failed: bool = False,
              overrides: Sequence[str] = ()):
    """`overrides`: `--set KEY=VALUE` lines applied to the study file before it is validated; the
    study records them (overrides_record.py)."""
    if not (workers == "auto" or (isinstance(workers, int) and workers >= 1)):
        raise ConfigError([f"--workers: expected a positive number or 'auto', got {workers!r}"])
    spec = load_study_spec(path, overrides)  # validates everything before any trial starts
    total = n_trials if n_trials is not None else spec.n_trials
    if total < 1:
        raise ConfigError([f"{path}: --n-trials: expected a positive number, got {total}"])
    with graceful_signals():  # from the start: a signal during the checks still ends in exit 75
        return _run(spec, path, total, workers, backend, address, retry_failed)


def _run(spec, path, total: int, workers, backend: Optional[str], address: Optional[str], retry_failed: bool):
    chosen = backend or spec.backend
    preflight(spec, remote_trials=chosen == "ray" and bool(address or spec.ray.address))
    if chosen == "ray":  # a missing extra or a bad ray.storage_path: exit 2 before the study is created
        from .ray.paths import check_experiment_store
        from .ray.session import import_ray

        import_ray()
        check_experiment_store(spec)
    opened = _record_overrides(spec)
    if retry_failed:
        _requeue_failed(spec)
        opened = None  # reopened: a seeded sampler is reseeded by the trials stored (study/storage.py)
    if chosen == "ray":
        from .ray import run_ray

        # auto: Tune runs as many trials as the cluster's resources allow (pack_gpu: GPU shares by estimate)
        study = run_ray(spec, n_trials=total, workers=1 if workers == "auto" else workers,
                        address=address or spec.ray.address)
    else:
        from .optuna.optuna_backend import run_optuna

        study = run_optuna(spec, n_trials=total, workers=workers, study=opened)
    from ..console.summary import print_summary
    from .trackers.study import log_study_best

    log_study_best(spec, study)  # the trackers' study-level record: the best configuration so far

    print_summary(spec, study, total)
    return study


def _record_overrides(spec):
    """Record the run's overrides in the study (created here); -> the opened study, for the Optuna
    backend to go on with (opened once per run)."""
    from ..study.overrides_record import record_overrides
    from ..study.storage import open_study
    from .stopping.stop import stops_on_full_disk

    with stops_on_full_disk(str(spec.path)):  # the run's first write to the study database
        study = open_study(spec, create=True)
        record_overrides(study, spec)
    return study


def _requeue_failed(spec) -> None:
    from .retry_failed import requeue_failed
    from ..study.storage import open_study

    numbers = requeue_failed(open_study(spec, create=True))
    shown = ", ".join(map(str, numbers)) if numbers else "none"
    print(f"--retry-failed: queued the configurations of failed trials again: {shown}", flush=True)
