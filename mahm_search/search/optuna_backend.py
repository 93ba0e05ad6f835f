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
import sys
import time
import warnings
from typing import Optional

import optuna

from ..errors import MahmError
from .progress import SearchProgress
from .error_streak import ErrorStreak
from .record import TrialRecord
from .recovery import queue_retry, recover
from .storage import open_study, with_retries
from .study_spec import load_study_spec
from .trial import TrialObjective
from .trial_counts import count_trials
from .wait_watch import WaitWatch

POLL_S = 2.0


def run_optuna(spec, n_trials: int, workers: int = 1) -> optuna.Study:
    study = open_study(spec, create=True, worker=0)
    recover(study, spec)
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
    waiting = WaitWatch(spec)
    streak = ErrorStreak(spec)
    while deadline is None or time.monotonic() < deadline:
        unqueued = recover(study, spec)  # dead trials whose retry is about to be queued
        trials = _trials(study)
        counts = count_trials(trials)
        if progress is not None:
            progress.refresh(trials, counts.done)
        if counts.done >= n_trials:
            return
        if counts.waiting == 0 and counts.done + counts.running + unqueued >= n_trials:
            if not heartbeat:
                return  # no heartbeat: a RUNNING trial may never end; leave it to its worker
            waiting.check(study)  # raises once no RUNNING trial has beaten for the grace period
            time.sleep(min(POLL_S, spec.heartbeat.interval))  # other workers, or a dead one going stale
            continue
        waiting.reset()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                study.optimize(objective, n_trials=1, catch=(Exception,))
        except KeyboardInterrupt:
            _requeue_own(spec, study, objective)
            raise
        if objective.stopping_error is not None:  # e.g. disk full: the trial is retried on a rerun
            err, objective.stopping_error = objective.stopping_error, None
            _requeue_own(spec, study, objective)
            raise err
        streak.add(_own_trial(study, objective))  # raises after K same errors in a row


def _own_trial(study: optuna.Study, objective: TrialObjective):
    """The trial this worker ran last (not the study's last: other workers add trials too)."""
    trial_id = objective.last_trial_id
    return None if trial_id is None else with_retries(lambda: study._storage.get_trial(trial_id))


def _requeue_own(spec, study: optuna.Study, objective: TrialObjective) -> None:
    """Ctrl-C or a stopping error: queue the interrupted trial again, like a killed one, so a rerun
    resumes its checkpoint (it is a FAIL without `error`, which does not count as done)."""
    trial = _own_trial(study, objective)
    if trial is None or trial.state != optuna.trial.TrialState.FAIL or TrialRecord.of(trial).error:
        return
    queue_retry(study, spec, trial)


def _trials(study: optuna.Study) -> list:
    return with_retries(lambda: study.get_trials(deepcopy=False))


# -- several worker processes -----------------------------------------------------------------------
def _worker_main(study_path: str, n_trials: int, devices: Optional[str], worker: int) -> None:
    if devices is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = devices  # before this process first imports torch
    spec = load_study_spec(study_path)
    try:
        study = open_study(spec, create=True, worker=worker)
        run_worker_loop(spec, study, n_trials)
    except MahmError as err:  # one line, as the CLI prints it, not a child's traceback
        print(f"error: worker-{worker}: {err}", file=sys.stderr, flush=True)
        sys.exit(getattr(err, "exit_code", 2))


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
