"""The Ray Tune backend: the same study, run as `ray.tune.Tuner` trials on a local Ray or a cluster.

Sampling: Ray's OptunaSearch with the study's sampler and storage (AdmittingOptunaSearch adds the
memory admission and n_trials budget). Pruning: the study's pruner as a Tune scheduler. Results:
every trial writes straight into the study's Optuna storage, so status / plot / report read it
exactly as they read an Optuna-backend study.

Resume: Ray's files live in <study folder>/<name>_ray/run_NNN (or under `ray.storage_path`, a shared
folder or a pyarrow filesystem URI: paths.py). Rerunning restores the latest
experiment (Tuner.restore: interrupted trials continue from their checkpoints, finished ones are not
repeated); if the study still needs trials after that (e.g. a larger --n-trials), a new experiment
continues the same study.

A full disk (in a trial or in the driver) stops the run with one line and exit 1; the interrupted
trials are queued again and resume from their checkpoints on the rerun (stopping.py). A SIGTERM,
SIGINT or SIGUSR1 to the driver checkpoints the running trials at their next step, queues them and
exits 75 (preempt/ray_side.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
import os
import warnings
from typing import Callable, Optional

import optuna

from ..stopping.error_streak import study_error_streak
from ...console.progress import SearchProgress
from .cluster import check_cluster
from .paths import check_experiment_store, experiment_store
from .suggestion import suggestion_info
from .session import import_ray, ray_session
from ..stopping.stop import StudyStopped, stopping_error
from ..preempt import graceful_signals, preempted_run
from ...train import preempt
from .driver_state import current, driver_run
from ..preempt.ray_side import (keep_out_tune_handlers, requeue_stopped, store_request,
                                tune_signals_callback)
from ...results import study_trials
from ...study.storage import make_storage, open_study, with_retries
from ..trial_counts import count_trials
from ..optuna.optuna_private import storage_of, trial_id_of
from ..trackers.ray_callbacks import ray_logger_callbacks

MAX_EXPERIMENTS_PER_RUN = 3  # restore the old one, then at most a couple of fresh ones


def run_ray(spec, n_trials: int, workers: int = 1, address: Optional[str] = None,
            train_fn: Optional[Callable] = None) -> optuna.Study:
    """Run the study on Ray until it holds n_trials counted trials. `train_fn` replaces
    train.trainer.train in the workers (tests and benchmarks; it must be picklable)."""
    import_ray()  # a missing extra fails here, before anything is created
    check_experiment_store(spec)  # a bad ray.storage_path too (exit 2)
    from .stopping import requeue_interrupted, stopping

    started = datetime.now()  # the error streak counts this run's trials (naive, as Optuna's)
    study = open_study(spec, create=True)  # checks the direction, records the study's attrs
    progress = SearchProgress(n_trials, spec.objective.metric, spec.objective.direction == "maximize",
                              workers=1)  # one bar; finished trials print a line each
    from .resources import local_cpus

    store_request(study, None)  # an earlier run's preemption request is no longer asked for
    keep_out_tune_handlers()

    def on_signal(signum: int) -> None:  # Tune pickles it (preempt/ray_side.py): no display in here
        reason = current().ask_preempt(signum)
        if reason is not None:
            store_request(study, reason)

    with driver_run(study, progress) as state, \
            ray_session(address, num_cpus=None if address else local_cpus(spec)) as ray, progress, \
            graceful_signals(on_signal=on_signal) as handler:
        state.signal_handler = handler  # put back after Tune takes SIGUSR1 (preempt/ray_side.py)
        if preempt.requested() is not None:  # a signal while Ray started: no trial is asked for
            state.preempt_reason = preempt.requested()
        check_cluster(spec, ray.nodes())  # before any trial: a file storage on a multi-host cluster
        progress.refresh(study_trials(study), _done(study))  # trials finished before this run are not re-printed
        try:
            for _ in range(MAX_EXPERIMENTS_PER_RUN):
                point = experiment_point(spec)  # one listing of the experiment store per experiment
                if _done(study) >= n_trials and not point.unfinished:
                    break
                _run_experiment_or_stop(spec, study, n_trials, workers, ray.cluster_resources(), train_fn, point)
                if stopping():
                    break
                stop = study_error_streak(spec, study_trials(study), started)
                if stop is not None:
                    raise stop  # the same error ended the last trials: say so, exit 1
                if _done(study) >= n_trials:
                    break
        finally:
            progress.refresh(study_trials(study), _done(study))
        preempt_reason, stop_reason = state.preempt_reason, state.stop_reason
    if preempt_reason is not None:  # a signal: the trials checkpointed and stopped; queue them
        raise preempted_run(str(spec.path), preempt_reason, requeue_stopped(study))
    if stop_reason is not None:  # Ray is down now: no trial can still write; queue the interrupted ones again
        requeue_interrupted(study, spec)
        raise StudyStopped(stop_reason)
    return study


def _run_experiment_or_stop(spec, study, n_trials: int, workers: int, cluster: dict,
                            train_fn: Optional[Callable], point: "ExperimentPoint") -> None:
    """_run_experiment; a full disk in the driver itself (Tune saving its state) stops the run as a
    trial's does (stopping.py)."""
    try:
        _run_experiment(spec, study, n_trials, workers, cluster, train_fn, point)
    except Exception as err:
        stop = stopping_error(err, f"{spec.path} (Ray Tune, {experiment_store(spec).location})")
        if stop is None:
            raise
        current().stop_reason = str(stop)


def _run_experiment(spec, study, n_trials: int, workers: int, cluster: dict,
                    train_fn: Optional[Callable], point: "ExperimentPoint") -> None:
    from ray import tune

    from .progress import StorageProgressCallback
    from .resources import resources_function
    from .schedulers import make_scheduler
    from .searcher import AdmittingOptunaSearch
    from .stopping import StopOnStoppingError
    from .trainable import run_tune_trial

    trainable = tune.with_resources(tune.with_parameters(run_tune_trial, spec=spec, train_fn=train_fn),
                                    resources_function(spec, cluster))
    store = experiment_store(spec)
    if point.unfinished:
        tuner = tune.Tuner.restore(store.tune_path(point.latest), trainable, resume_unfinished=True,
                                   resume_errored=True, storage_filesystem=store.tune_filesystem)
    else:
        _fail_orphaned_trials(study)
        searcher = AdmittingOptunaSearch(spec, make_storage(spec), _sampler(spec), n_trials,
                                         gpu_budget_bytes=_gpu_budget(spec, cluster))
        metric, mode = spec.objective.metric, "max" if spec.objective.direction == "maximize" else "min"
        steps, first_eval = _steps(spec)
        tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(
                search_alg=searcher, scheduler=make_scheduler(spec, metric, mode, steps, first_eval),
                num_samples=-1,  # the searcher says FINISHED when the study holds n_trials
                max_concurrent_trials=workers if workers > 1 else None,
                reuse_actors=True,  # a fresh worker re-imports torch (seconds) for every trial
                trial_name_creator=trial_name, trial_dirname_creator=trial_name),
            run_config=tune.RunConfig(
                name=point.next_name, storage_path=store.tune_path(), storage_filesystem=store.tune_filesystem,
                verbose=0, log_to_file=True,
                # the study's trackers as Tune's own logger callbacks (search/trackers/ray_callbacks.py)
                callbacks=[StorageProgressCallback(), tune_signals_callback(current().signal_handler),
                           *ray_logger_callbacks(spec)],
                stop=StopOnStoppingError(),  # a trial's full disk stops them all (stopping.py)
                checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
                # A dead worker process (or node) restarts its trial from its last Tune checkpoint, up
                # to max_retry times, as a heartbeat-failed trial is retried on the Optuna backend.
                failure_config=tune.FailureConfig(max_failures=spec.heartbeat.max_retry)))
    # Tune admits one pending trial at a time with a searcher; let every free slot get one.
    os.environ["TUNE_MAX_PENDING_TRIALS_PG"] = str(_slots(spec, cluster, workers))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tuner.fit()


def _fail_orphaned_trials(study: optuna.Study) -> None:
    """Before a fresh experiment, no Tune trial of this study runs (one driver per study), so a
    RUNNING Optuna trial belongs to a killed driver whose experiment could not be restored. It is
    failed without an `error` attr, so it does not count toward n_trials and a new trial takes its
    place, as a heartbeat-failed trial does on the Optuna backend."""
    from optuna.trial import TrialState

    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        with_retries(lambda: storage_of(study).set_trial_state_values(trial_id_of(t), TrialState.FAIL))


def trial_name(trial) -> str:
    """Tune's trial and folder name: the Optuna trial number (not the whole config)."""
    return f"trial_{suggestion_info(trial.config).get('number', trial.trial_id)}"


def _slots(spec, cluster: dict, workers: int) -> int:
    slots = int(float(cluster.get("CPU", 1)) // max(spec.ray.cpus_per_trial, 1e-9)) or 1
    return max(1, min(slots, workers) if workers > 1 else slots)


def _sampler(spec):
    from ...study.samplers import make_sampler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_sampler(spec.sampler.type, spec.sampler.seed, spec.sampler.args, spec.search_space)


def _steps(spec) -> tuple[int, int]:
    """(most steps any trial trains, first eval step): the schedulers' max_t and first rung."""
    from ...config import TrialConfig

    train = TrialConfig.model_validate(spec.base_config).train
    steps = train.steps
    searched = spec.search_space.params.get("train.steps")
    if searched is not None:
        steps = max(int(v) for v in searched.corners())
    return steps, min(train.eval_every, steps)


def _gpu_budget(spec, cluster: dict) -> Optional[int]:
    """Memory of one GPU for pack_gpu: the study's `memory`, else this machine's first CUDA device."""
    if not spec.pack_gpu or float(cluster.get("GPU", 0) or 0) <= 0:
        return None
    if spec.memory_bytes:
        return spec.memory_bytes
    import torch

    if torch.cuda.is_available():
        return int(torch.cuda.get_device_properties(0).total_memory)
    return None


@dataclass(frozen=True)
class ExperimentPoint:
    """Where the study's Tune experiments stand, from one listing of the experiment store (on an
    s3:// or gs:// storage_path every listing is a request)."""

    latest: Optional[str]  # the newest run_NNN that Tune can restore, else None
    unfinished: bool  # that run still has trials Ray started and did not finish (a killed driver)
    next_name: str  # the name a fresh experiment gets


def experiment_point(spec) -> ExperimentPoint:
    from ray import tune

    store = experiment_store(spec)
    runs = store.runs()
    next_name = f"run_{len(runs):03d}"
    # A driver killed before Tune saved its first trial leaves a state with no trials, which
    # Tuner.restore cannot resume (IndexError inside Tune): start a fresh experiment instead; the
    # Optuna study still holds every finished trial, so nothing is repeated.
    state = _experiment_state(store, runs[-1]) if runs else None
    trials = (state or {}).get("trial_data") or []
    if not trials or not tune.Tuner.can_restore(store.tune_path(runs[-1]), storage_filesystem=store.tune_filesystem):
        return ExperimentPoint(None, False, next_name)
    # Tune writes experiment_state-*.json; a run that ended normally has no trial left pending/running.
    unfinished = any(_trial_status(t) in ("PENDING", "RUNNING", "PAUSED") for t in trials)
    return ExperimentPoint(runs[-1], unfinished, next_name)


def _experiment_state(store, run: str) -> Optional[dict]:
    """The newest experiment_state-*.json of a run (None: none, or unreadable)."""
    states = [name for name in store.files(run, "experiment_state-") if name.endswith(".json")]
    if not states:
        return None
    try:
        return json.loads(store.read_text(run, states[-1]))
    except (OSError, ValueError):
        return None


def _trial_status(entry) -> str:
    try:
        meta = json.loads(entry[0]) if isinstance(entry, list) else entry
        return str(meta.get("status", ""))
    except (TypeError, ValueError, AttributeError):
        return ""


def _done(study) -> int:
    return count_trials(study_trials(study)).done

