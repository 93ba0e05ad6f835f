"""The Optuna backend: worker processes sharing one storage, each running trials until the study
holds n_trials counted trials (see trial_counts.py).

Each worker loops over `study.optimize(objective, n_trials=1, catch=(Exception,))`, so Optuna's
heartbeat thread, stale-trial failing (and thus retries of killed trials) and FAIL bookkeeping all
apply, while the loop decides when the study is done. workers=1 runs in this process; more workers
are spawned processes, each on its own CUDA device when there are several.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
import warnings
from typing import Optional

import optuna

from ..errors import MahmError
from .progress import SearchProgress
from .record import TrialRecord
from .storage import open_study, with_retries
from .study_spec import load_study_spec
from .trial import TrialObjective
from .trial_counts import count_trials

POLL_S = 2.0


def run_optuna(spec, n_trials: int, workers: int = 1) -> optuna.Study:
    study = open_study(spec, create=True, worker=0)
    _fail_stale(study)
    progress = SearchProgress(n_trials, spec.objective.metric, spec.objective.direction == "maximize",
                              workers=workers)
    with progress:
        progress.refresh(_trials(study), count_trials(_trials(study)).done)
        if workers == 1:
            run_worker_loop(spec, study, n_trials, progress=progress)
        else:
            _run_processes(spec, study, n_trials, workers, progress)
        progress.refresh(_trials(study), count_trials(_trials(study)).done)
    return study


def run_worker_loop(spec, study: optuna.Study, n_trials: int, progress: Optional[SearchProgress] = None,
                    objective: Optional[TrialObjective] = None) -> None:
    objective = objective or TrialObjective(spec, progress=progress)
    deadline = time.monotonic() + spec.timeout if spec.timeout else None
    heartbeat = not spec.storage_url.startswith("journal:")  # RDB storages carry heartbeats
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # outcomes are printed by progress
    while deadline is None or time.monotonic() < deadline:
        _fail_stale(study)
        trials = _trials(study)
        counts = count_trials(trials)
        if progress is not None:
            progress.refresh(trials, counts.done)
        if counts.done >= n_trials:
            return
        if counts.waiting == 0 and counts.done + counts.running >= n_trials:
            if not heartbeat:
                return  # no heartbeat: a RUNNING trial may never end; leave it to its worker
            time.sleep(min(POLL_S, spec.heartbeat.interval))  # other workers, or a dead one going stale
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.optimize(objective, n_trials=1, catch=(Exception,))
        except KeyboardInterrupt:
            _requeue_interrupted(spec, study)
            raise


def _requeue_interrupted(spec, study: optuna.Study) -> None:
    """Ctrl-C: queue the interrupted trial again, like a killed one, so a rerun resumes its checkpoint."""
    trials = _trials(study)
    if not trials or trials[-1].state != optuna.trial.TrialState.FAIL or TrialRecord.of(trials[-1]).error:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.RetryHeartbeatStaleTrialCallback(
            max_retry=spec.heartbeat.max_retry, inherit_intermediate_values=True)(study, trials[-1])


def _trials(study: optuna.Study) -> list:
    return with_retries(lambda: study.get_trials(deepcopy=False))


def _fail_stale(study: optuna.Study) -> None:
    """Fail (and so re-queue) trials whose worker stopped beating; a no-op without heartbeats."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        with_retries(lambda: optuna.storages.fail_stale_trials(study))


# -- several worker processes -----------------------------------------------------------------------
def _worker_main(study_path: str, n_trials: int, devices: Optional[str], worker: int) -> None:
    if devices is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = devices  # before this process first imports torch
    spec = load_study_spec(study_path)
    study = open_study(spec, create=True, worker=worker)
    run_worker_loop(spec, study, n_trials)


def _run_processes(spec, study: optuna.Study, n_trials: int, workers: int, progress: SearchProgress) -> None:
    ctx = mp.get_context("spawn")
    gpus = _cuda_device_count()
    procs = []
    for i in range(workers):
        devices = str(i % gpus) if gpus > 1 else None
        p = ctx.Process(target=_worker_main, args=(str(spec.path), n_trials, devices, i), name=f"worker-{i}")
        p.start()
        procs.append(p)
    try:
        while any(p.is_alive() for p in procs):
            trials = _trials(study)
            progress.refresh(trials, count_trials(trials).done)
            for p in procs:
                p.join(timeout=POLL_S / len(procs))
    except KeyboardInterrupt:
        for p in procs:
            p.terminate()  # SIGTERM to our own children; their trials go stale and are retried
        raise
    failed = [p.name for p in procs if p.exitcode not in (0, None)]
    if failed:
        raise MahmError(f"{spec.path}: worker(s) {', '.join(failed)} exited with an error "
                        f"(see above); rerun the same command to continue the study")


def _cuda_device_count() -> int:
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) == "":
        return 0
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0
