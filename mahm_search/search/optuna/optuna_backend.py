"""The Optuna backend: worker processes sharing one storage, each running trials until the study
holds n_trials counted trials (see trial_counts.py).

Each worker loops over `study.optimize(objective, n_trials=1, catch=(Exception,))`, so Optuna's
heartbeat thread, stale-trial failing (and thus retries of killed trials) and FAIL bookkeeping all
apply, while the loop decides when the study is done. The recount before each ask and the ask itself
hold the storage's AskLock (search/optuna/ask_lock.py), so all workers together never start more trials
than n_trials. workers=1 runs in this process; more workers are spawned processes, each on its own
CUDA device when there are several.

Workers that share a device take turns by memory estimate (`PackedObjective`, search/packing/ledger.py): a
trial the gate admitted starts training only when its estimate fits next to the estimates of the
trials running on that device. `workers="auto"` starts as many workers per device as the smallest
configuration of the space fits in the budget (`auto_worker_count`, search/packing/rule.py: auto_workers).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from typing import Optional, Union

import optuna

from ...errors import MahmError
from ...train.batches import CPUS_ENV, cpu_share
from .ask_lock import AskLock
from ...console.progress import SearchProgress
from ..racing import race_step, race_summary, space_keys
from ..stopping.error_streak import ErrorStreak
from ...study.record import TrialRecord
from ..stopping.recovery import beats, queue_retry, recover
from ..stopping.stop import StudyStopped, stops_on_full_disk
from ...results import study_trials
from ...study.storage import open_study, with_retries
from ...study.study_spec import load_study_spec
from ..trial import TrialObjective
from ..trackers.study import TrackerCallback, make_trackers
from ..trial_counts import count_trials
from ..stopping.wait_watch import WaitWatch
from ..packing.packed import PackedObjective, _cuda_device_count, auto_worker_count_isolated
from ..preempt import EXIT_PREEMPTED, PreemptedRun, forward_to, graceful_signals
from ..preempt.worker import check_preempted
from .optuna_private import storage_of

POLL_S = 2.0


def run_optuna(spec, n_trials: int, workers: Union[int, str] = 1,
               study: Optional[optuna.Study] = None) -> optuna.Study:
    """`study`: the study as open_study(spec, create=True) opened it for worker 0, if the caller has it."""
    with stops_on_full_disk(str(spec.path)):  # the study database's disk, too (search/stopping/stop.py)
        return _run_optuna(spec, n_trials, workers, study)


def _run_optuna(spec, n_trials: int, workers: Union[int, str], study: Optional[optuna.Study]) -> optuna.Study:
    study = study if study is not None else open_study(spec, create=True, worker=0)
    recover(study, spec)
    if workers == "auto":
        workers, why = auto_worker_count_isolated(spec)
        print(f"--workers auto: {workers} worker{'s' if workers > 1 else ''} ({why})", flush=True)
    progress = SearchProgress(n_trials, spec.objective.metric, spec.objective.direction == "maximize",
                              workers=workers)
    with progress:
        progress.refresh(study_trials(study), count_trials(study_trials(study)).done)
        if workers == 1:
            run_worker_loop(spec, study, n_trials, progress=progress)
        else:
            _run_processes(spec, study, n_trials, workers, progress)
        progress.refresh(study_trials(study), count_trials(study_trials(study)).done)
    return study


def run_worker_loop(spec, study: optuna.Study, n_trials: int, progress: Optional[SearchProgress] = None,
                    objective: Optional[TrialObjective] = None) -> None:
    """Run trials until the study is done; under graceful_signals (run_study's, or a spawned worker's)
    a signal checkpoints the trial and raises PreemptedRun (search/preempt/)."""
    objective = objective or TrialObjective(spec, progress=progress)
    trackers = objective.trackers = make_trackers(spec)
    try:
        _worker_loop(spec, study, n_trials, progress, objective, [TrackerCallback(trackers, spec)] if trackers else [])
    finally:
        trackers.close()


def _worker_loop(spec, study: optuna.Study, n_trials: int, progress: Optional[SearchProgress],
                 objective: TrialObjective, callbacks: list) -> None:
    deadline = time.monotonic() + spec.timeout if spec.timeout else None
    heartbeat = beats(study)  # RDB and journal storages (search/journal/)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # outcomes are printed by progress
    waiting = WaitWatch(spec)
    streak = ErrorStreak(spec)
    ask_lock = AskLock(study, spec)
    race_keys = space_keys(spec, objective.fixed) if spec.racing is not None else None
    while deadline is None or time.monotonic() < deadline:
        check_preempted(spec, study, objective)
        unqueued = recover(study, spec)  # dead trials whose retry is about to be queued
        trials = study_trials(study)
        counts = count_trials(trials)
        if progress is not None:
            progress.refresh(trials, counts.done)
        if counts.done >= n_trials:
            return
        if spec.racing is not None and counts.waiting == 0 and unqueued == 0:
            step = race_step(spec, study, trials, race_keys)
            if step == "done":
                print(f"run: {race_summary(spec, study_trials(study))}; every configuration of the space has "
                      f"been tried, so the study ends here ({counts.done}/{n_trials} trials)", flush=True)
                return
            if step == "wait":  # the running trials' scores decide whether the race needs a seed
                waiting.check(study)
                time.sleep(min(POLL_S, spec.heartbeat.interval))
                continue
        # Running trials count once they end; with no queued trial, a retry about to be queued takes
        # the place of a fresh one.
        if counts.done + counts.running + (0 if counts.waiting else unqueued) >= n_trials:
            if not heartbeat:
                return  # no heartbeat: a RUNNING trial may never end; leave it to its worker
            waiting.check(study)  # raises once no RUNNING trial has beaten for the grace period
            time.sleep(min(POLL_S, spec.heartbeat.interval))  # other workers, or a dead one going stale
            continue
        waiting.reset()
        try:  # the recount and the ask are one step for all workers (ask_lock.py)
            if not ask_lock.ask_one(study, objective, lambda: _has_room(study, n_trials), callbacks):
                continue  # another worker took the last place since the count above
        except KeyboardInterrupt:
            _requeue_own(spec, study, objective)
            raise
        if objective.stopping_error is not None:  # e.g. disk full: the trial is retried on a rerun
            err, objective.stopping_error = objective.stopping_error, None
            _requeue_own(spec, study, objective)
            raise err
        check_preempted(spec, study, objective)  # raises: the trial is queued to resume
        streak.add(_own_trial(study, objective))  # raises after K same errors in a row


def _has_room(study: optuna.Study, n_trials: int) -> bool:
    counts = count_trials(study_trials(study))
    return counts.done + counts.running < n_trials


def _own_trial(study: optuna.Study, objective: TrialObjective):
    """The trial this worker ran last (not the study's last: other workers add trials too)."""
    trial_id = objective.last_trial_id
    return None if trial_id is None else with_retries(lambda: storage_of(study).get_trial(trial_id))


def _requeue_own(spec, study: optuna.Study, objective: TrialObjective) -> None:
    """Ctrl-C or a stopping error: queue the interrupted trial again, like a killed one, so a rerun
    resumes its checkpoint (it is a FAIL without `error`, which does not count as done)."""
    trial = _own_trial(study, objective)
    if trial is None or trial.state != optuna.trial.TrialState.FAIL or TrialRecord.of(trial).error:
        return
    queue_retry(study, spec, trial)


# -- several worker processes -----------------------------------------------------------------------
def _worker_main(study_path: str, n_trials: int, devices: Optional[str], worker: int, cpus: int = 0,
                 overrides: tuple = ()) -> None:
    if devices is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = devices  # before this process first imports torch
    if cpus:
        os.environ[CPUS_ENV] = str(cpus)  # this worker's share of the host's cores (data.num_workers: auto)
        if "OMP_NUM_THREADS" not in os.environ:
            import torch

            # One intra-op pool per worker sized to its share: pools that each take every core spin
            # against each other (2 workers on 2 cores trained the quickstart's trials ~5x slower).
            torch.set_num_threads(cpus)
    spec = load_study_spec(study_path, overrides)
    try:
        with stops_on_full_disk(f"{spec.path} (worker-{worker})"), graceful_signals():
            study = open_study(spec, create=True, worker=worker)
            run_worker_loop(spec, study, n_trials, objective=PackedObjective(spec))
    except MahmError as err:  # one line, as the CLI prints it, not a child's traceback
        print(f"{getattr(err, 'prefix', 'error')}: worker-{worker}: {err}", file=sys.stderr, flush=True)
        sys.exit(getattr(err, "exit_code", 2))


def _run_processes(spec, study: optuna.Study, n_trials: int, workers: int, progress: SearchProgress) -> None:
    ctx = mp.get_context("spawn")
    gpus = _cuda_device_count()
    cpus = max(1, cpu_share() // workers)  # the workers share this host's cores, whatever their GPUs
    procs = []
    with graceful_signals(announce=False, on_signal=forward_to(procs)):  # `kill PID` reaches only us
        for i in range(workers):
            devices = str(i % gpus) if gpus > 1 else None
            p = ctx.Process(target=_worker_main, args=(str(spec.path), n_trials, devices, i, cpus, tuple(spec.overrides)),
                            name=f"worker-{i}")
            p.start()
            procs.append(p)
        try:
            while any(p.is_alive() for p in procs):
                trials = study_trials(study)
                progress.refresh(trials, count_trials(trials).done)
                for p in procs:
                    p.join(timeout=POLL_S / len(procs))
        except KeyboardInterrupt:
            for p in procs:
                p.terminate()  # SIGTERM to our own children; their trials go stale and are retried
            raise
    raise_for_workers(spec, procs)


def raise_for_workers(spec, procs) -> None:
    """After the workers ended: nothing if all exited 0; StudyStopped (exit 1) if every failed one
    stopped on purpose (e.g. a full disk: each printed why), else a MahmError (exit 2)."""
    failed = [p for p in procs if p.exitcode not in (0, None)]
    if not failed:
        return
    names = ", ".join(p.name for p in failed)
    if all(p.exitcode == EXIT_PREEMPTED for p in failed):
        raise PreemptedRun(f"{spec.path}: worker(s) {names} stopped by a signal, trials checkpointed and "
                           f"queued to resume; rerun the same command to continue (exit {EXIT_PREEMPTED})")
    if all(p.exitcode == StudyStopped.exit_code for p in failed):
        raise StudyStopped(f"{spec.path}: worker(s) {names} stopped (why: above); rerun the same command "
                           "to continue the study once that is fixed")
    raise MahmError(f"{spec.path}: worker(s) {names} exited with an error "
                    f"(see above); rerun the same command to continue the study")
