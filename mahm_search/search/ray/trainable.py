"""The Tune function trainable: one admitted Optuna trial, trained in a Ray worker.

It runs TrialObjective.train_admitted() on the Optuna trial the driver admitted (same run folder,
same user attrs, same outcomes as the Optuna backend) and writes to the study's storage directly:
each eval's intermediate value is stored BEFORE Tune sees the result, so a scheduler stopping the
trial at that result cannot lose it; the final state (COMPLETE, PRUNED nan/oom, FAIL) is told before
the last result reaches Tune, so stopping at max_t cannot turn a finished trial into a pruned one.
A stopping error (a full disk) is not the trial's fault: it is reported to the driver, which stops
the run and leaves the trial to be retried (stopping.py).

Checkpoints: the trainer writes run_dir/checkpoint.pt after each eval's report; the Tune result for
that eval is sent one optimizer step later, with a copy of the fresh checkpoint.pt attached as a
tune.Checkpoint. A restored trial copies Tune's checkpoint into its run folder when that folder has
none (another node); otherwise the local file is the newest and the trainer resumes from it.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Optional

import optuna
from optuna.trial import TrialState
from ray import tune

from ...config import TrialConfig
from ...train.batches import CPUS_ENV
from ...train.checkpoint import CHECKPOINT_NAME
from ...train.reporter import Reporter
from .suggestion import suggestion_info
from ...study.storage import make_storage, with_retries
from ...study.record import write_record
from ..stopping.stop import stopping_error
from ..trial import Admission, TrialObjective, trial_run_dir
from .stopping import report_stop
from ..optuna.optuna_private import storage_of, trial_id_of
from ...train import preempt
from ..preempt.ray_side import PREEMPT_KEY, watch_study


class TuneReporter(Reporter):
    """Forwards the trial's evals to Tune (the trial's own TrialReporter stores them in Optuna)."""

    def __init__(self, trial, run_dir: Path):
        self.trial = trial
        self.run_dir = run_dir
        self.pending: Optional[dict] = None
        self._attached: Optional[tuple] = None

    def start(self, info: dict) -> None:
        # A scheduler may stop this trial at any report; record what is known now.
        if info.get("params_count") is not None:
            write_record(self.trial, params_count=int(info["params_count"]))

    def step_end(self, step: int, loss: float) -> None:
        self.flush()  # the previous eval's checkpoint is on disk by now

    def report(self, step: int, metrics: dict[str, float]) -> None:
        finite = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and math.isfinite(v)}
        # Top-level keys for the scheduler (metric, step); `metrics` for the driver's bookkeeping.
        self.pending = {"step": int(step), **finite, "metrics": finite}

    def flush(self) -> None:
        if self.pending is None:
            return
        result, self.pending = self.pending, None
        ckpt = self.run_dir / CHECKPOINT_NAME
        stamp = (ckpt.stat().st_mtime_ns, ckpt.stat().st_size) if ckpt.is_file() else None
        if stamp is None or stamp == self._attached:
            tune.report(result)
            return
        with tempfile.TemporaryDirectory(prefix="mahm-ckpt-") as tmp:
            shutil.copy2(ckpt, Path(tmp) / CHECKPOINT_NAME)
            tune.report(result, checkpoint=tune.Checkpoint.from_directory(tmp))  # persisted before return
        self._attached = stamp


class _TuneBridge:
    """The `progress` hook of TrialObjective: how its reporter gets wrapped for Tune."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.reporter: Optional[TuneReporter] = None

    def trial_eval(self, step: int, value: float) -> None:
        pass

    def reporter_for(self, trial, number: int, steps: int) -> Reporter:
        self.reporter = TuneReporter(trial, self.run_dir)
        return self.reporter


def run_tune_trial(config: dict, spec, train_fn=None) -> None:
    """Tune calls this with the searcher's suggestion; `spec` (and `train_fn`, None: the real
    trainer) come via tune.with_parameters."""
    info = suggestion_info(config)
    os.environ.setdefault(CPUS_ENV, str(max(1, int(spec.ray.cpus_per_trial))))  # data.num_workers: auto
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = with_retries(lambda: optuna.load_study(
        study_name=spec.name, storage=make_storage(spec), pruner=optuna.pruners.NopPruner(),
        sampler=optuna.samplers.RandomSampler()))  # Tune's scheduler prunes, not Optuna's pruner
    trial = optuna.Trial(study, int(info["trial_id"]))
    if storage_of(study).get_trial(trial_id_of(trial)).state != TrialState.RUNNING:
        return  # finished before a driver restart: nothing to repeat
    watch_study(study)  # the driver's signal reaches this trial through the study (preempt/ray_side.py)
    try:
        _run_admitted(spec, study, trial, info, train_fn)
    finally:
        preempt.clear()  # this worker process may run the next trial (reuse_actors)


def _run_admitted(spec, study: optuna.Study, trial: optuna.Trial, info: dict, train_fn) -> None:
    run_dir = trial_run_dir(spec.runs_dir, trial)
    bridge = _TuneBridge(run_dir)
    objective = TrialObjective(spec, progress=bridge, train_fn=train_fn)
    admission = Admission(config=TrialConfig.model_validate(info["config"]), started=time.perf_counter())
    try:
        _restore_tune_checkpoint(run_dir)
    except OSError as err:
        if _reported_stop(spec, trial, err):
            return
        raise  # Tune restarts the trial (FailureConfig), as for a dead worker
    try:
        value = objective.train_admitted(trial, admission)
    except optuna.TrialPruned:  # nan / oom: TrialObjective set prune_reason and the attrs
        _tell(study, trial, TrialState.PRUNED)
        return
    except preempt.Preempted:  # checkpointed, marked interrupted; the driver queues it once Tune is done
        if bridge.reporter is not None:
            bridge.reporter.flush()
        tune.report({PREEMPT_KEY: True})
        return
    except Exception as err:
        if not _reported_stop(spec, trial, err):
            _tell(study, trial, TrialState.FAIL)  # TrialObjective stored `error`; the study goes on
        return
    _tell(study, trial, TrialState.COMPLETE, value)
    if bridge.reporter is not None:
        bridge.reporter.flush()  # the last eval reaches Tune only after the trial is COMPLETE


def _reported_stop(spec, trial: optuna.Trial, err: BaseException) -> bool:
    """A stopping error (e.g. disk full) goes to the driver, which stops the run; the trial stays
    RUNNING, without `error`, to be queued again (stopping.py). False for any other error."""
    stop = stopping_error(err, f"{spec.path} (trial {trial.number})")
    if stop is not None:
        report_stop(str(stop))
    return stop is not None


def _tell(study: optuna.Study, trial: optuna.Trial, state: TrialState, value: float | None = None) -> None:
    try:
        with_retries(lambda: study.tell(trial, value, state=state, skip_if_finished=True))
    except (ValueError, RuntimeError):
        pass  # the driver finished it first (a scheduler stop racing the end of training)


def _restore_tune_checkpoint(run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = tune.get_checkpoint()
    if checkpoint is not None and not (run_dir / CHECKPOINT_NAME).is_file():
        checkpoint.to_directory(str(run_dir))
