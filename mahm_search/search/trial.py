"""One Optuna trial: sample params -> TrialConfig -> memory gate -> train -> outcome and user attrs.

Outcomes (the trial's record: study/record.py):
- COMPLETE: value = the objective at the last eval.
- PRUNED with prune_reason `memory` (does not fit the budget even with a rescue; no step was
  trained), `pruner` (the study's pruner), `nan` (the loss became non-finite) or `oom` (the device
  ran out of memory anyway; memory is released and the study goes on).
- FAIL: any other exception; its message is in user attr `error` (the study continues).
- FAIL without `error`, with `interrupted`: a preemption stopped it at a checkpoint (search/preempt/);
  not counted, queued to resume.
A retry of a killed trial (RetryHeartbeatStaleTrialCallback) trains in the original trial's run
folder, so the trainer resumes from its last checkpoint, and inherits its intermediate values.
"""

from __future__ import annotations

import gc
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import optuna

from ..config import TrialConfig, get_dotted, set_dotted, trial_config
from ..memory import default_budget_bytes, plan_memory
from ..provenance import code_version
from ..results import config_key, params_of, trial_key
from ..train.reporter import MultiReporter
from ..study.record import TrialRecord, is_queued, queued_attrs, record_error, write_outcome, write_record
from .stopping.stop import StudyStopped, stopping_error
from .trial_reporter import TrialReporter
from .optuna.optuna_private import trial_id_of
from .preempt.requeue import mark_interrupted
from ..train.preempt import Preempted


def retried_trial_number(trial: optuna.Trial) -> Optional[int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Optuna 5's Trial has no system_attrs; the callback reads them from a FrozenTrial.
        frozen = trial if isinstance(trial, optuna.trial.FrozenTrial) else trial.storage.get_trial(trial_id_of(trial))
        return optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(frozen)


def next_repeat(trial: optuna.Trial, key: str) -> int:
    """0 for a configuration new to the study, else one past the highest repeat it already has
    (queued repeats included, so a re-proposal never takes a seed that is waiting to run)."""
    repeats = [TrialRecord.of(t).repeat for t in trial.study.get_trials(deepcopy=False)
               if t.number != trial.number and trial_key(t) == key]
    return max(repeats) + 1 if repeats else 0


def seed_taken(trial: optuna.Trial, repeat: int) -> bool:
    """Another started trial of the same params already holds `repeat` (under racing, two workers can
    queue the same seed at once). Queued twins are left out: each checks when it starts."""
    mine = dict(trial.params)
    return any(t.number != trial.number and t.state.name != "WAITING" and TrialRecord.of(t).repeat == repeat
               and params_of(t) == mine for t in trial.study.get_trials(deepcopy=False))


def trial_run_dir(runs_dir: Path, trial: optuna.Trial) -> Path:
    original = retried_trial_number(trial)
    return runs_dir / f"trial_{original if original is not None else trial.number}"


def is_out_of_memory(err: BaseException) -> bool:
    """CUDA's OutOfMemoryError, Python's MemoryError, or the CPU allocator's RuntimeError
    ("DefaultCPUAllocator: can't allocate memory"): all end the trial as PRUNED oom."""
    import torch

    if isinstance(err, (torch.cuda.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(err, RuntimeError) and "can't allocate memory" in str(err)


def release_device_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@dataclass
class Admission:
    """A trial the memory gate let through: the config to train (rescued if it had to be)."""

    config: TrialConfig
    started: float  # perf_counter() when the trial began, for its wall time


class TrialObjective:
    """The one trial protocol both backends run: `admit()` (sample params, build the config, memory
    plan: fit, rescue or prune), then `train_admitted()` (train, record the outcome). Calling the
    objective does both, for study.optimize. `progress` (optional) receives step/eval events."""

    def __init__(self, spec, progress=None, train_fn: Callable | None = None):
        self.spec = spec
        self.progress = progress
        self._train_fn = train_fn
        fixed = TrialConfig.model_validate(spec.base_config).to_dict()
        self.fixed = lambda dotted: get_dotted(fixed, dotted)
        self.last_trial_id: Optional[int] = None  # the trial this objective ran last (its worker's own)
        self.stopping_error: Optional[StudyStopped] = None  # set when a trial hit e.g. a full disk
        self.preempted: Optional[Preempted] = None  # set when a signal stopped the trial at a checkpoint
        self.trackers = None  # the study's experiment trackers (search/trackers/), set by the worker loop

    def __call__(self, trial: optuna.Trial, claimed: Optional[Callable[[], None]] = None):
        """`claimed`: called once the trial's seed is chosen and its repeats are queued (the worker
        loop's AskLock.ask_one gives its lock back then)."""
        self.last_trial_id = trial_id_of(trial)
        try:
            admission = self.admit(trial, claimed)
            return self.train_admitted(trial, admission)
        except optuna.TrialPruned:
            raise
        except Preempted as err:  # checkpointed; the worker queues it to resume (search/preempt/)
            self.preempted = err
            raise
        except Exception as err:
            stop = stopping_error(err, f"{self.spec.path} (trial {trial.number})")
            if stop is not None:  # not the trial's fault: no `error`, so it is retried, not counted
                self.stopping_error = stop
                raise
            # Every failure is recorded, so it counts as done and is never retried blindly.
            record_error(trial, err)
            raise

    def admit(self, trial: optuna.Trial, claimed: Optional[Callable[[], None]] = None) -> Admission:
        """Sample, build and memory-check the trial's config; write what is known to its record.
        Raises optuna.TrialPruned (prune_reason memory) when no rescue fits the budget."""
        started = time.perf_counter()
        spec = self.spec
        params = spec.search_space.suggest(trial, self.fixed)
        key = config_key(trial.params)
        sampled = not is_queued(trial) and retried_trial_number(trial) is None
        # A sampler may propose a configuration the study already has (TPE on categorical choices, a
        # grid once exhausted): it gets the next seed, so no seed of a configuration is trained twice.
        repeat = next_repeat(trial, key) if sampled else TrialRecord.of(trial).repeat
        if not sampled and retried_trial_number(trial) is None and seed_taken(trial, repeat):
            repeat = next_repeat(trial, key)  # two workers queued the same race seed: take the next one
        seed = int(spec.base_config.get("train", {}).get("seed", 0)) + repeat
        write_record(trial, repeat=repeat)
        self._enqueue_repeats(trial, sampled=sampled, new_configuration=sampled and repeat == 0)
        if claimed is not None:
            claimed()
        config = self._build_config(trial, params, seed)
        write_record(trial, config_key=key, repeat=repeat, seed=seed, config=config.to_dict(),
                     code_version=code_version())

        import torch  # noqa: F401  (imported here so spawned workers set their device first)
        from ..train.device import resolve_device

        device = resolve_device(config.train)
        budget = spec.memory_bytes or default_budget_bytes(device, spec.memory_ram_share)
        plan = plan_memory(config, budget, device)
        write_record(trial, memory_budget_bytes=int(budget), memory_estimate_bytes=int(plan.estimate_bytes),
                     memory_original_estimate_bytes=int(plan.original_estimate_bytes),
                     memory_estimate_tensor_bytes=plan.estimate_tensor_bytes, memory_method=plan.method,
                     rescue=plan.rescue)
        if "memory" not in trial.constraints:  # a retry inherits the original's constraint
            trial.set_constraint("memory", (plan.estimate_bytes - budget) / budget if plan.fits else
                                 max((plan.estimate_bytes - budget) / budget, 1e-6))
        if not plan.fits:
            write_outcome(trial, steps_done=0, wall_time_s=time.perf_counter() - started, final_metrics={})
            write_record(trial, prune_reason="memory")
            raise optuna.TrialPruned(f"needs ~{plan.estimate_bytes} B, budget {budget} B, no rescue fits")
        write_record(trial, config=plan.config.to_dict())
        return Admission(config=plan.config, started=started)

    def train_admitted(self, trial: optuna.Trial, admission: Admission) -> float:
        """Train an admitted trial in its run folder (a retry resumes the dead trial's checkpoint)
        and record how it ended: the objective's last value, or PRUNED / FAIL with the reason."""
        config, started = admission.config, admission.started
        metric = self.spec.objective.metric
        on_eval = self.progress.trial_eval if self.progress is not None else None
        multi = getattr(self.spec, "multi_objective", False)
        core = TrialReporter(trial, metric, on_eval=on_eval, prunable=not multi)
        if multi:
            core.curve = [list(p) for p in TrialRecord.of(trial).curve]  # a retry's inherited curve
        if self.trackers:
            number = trial.number
            self.trackers.trial_start(number, config.to_dict(), self.spec.search_space.readable(dict(trial.params)))
            core.on_metrics = lambda step, metrics: self.trackers.trial_step(number, step, metrics)
        shown = self.progress.reporter_for(trial, trial.number, config.train.steps) if self.progress is not None else None
        reporter = MultiReporter(shown, core)  # shown first: an eval's line comes before a pruner stops it
        run_dir = trial_run_dir(self.spec.runs_dir, trial)
        run_dir.mkdir(parents=True, exist_ok=True)
        write_record(trial, run_dir=str(run_dir.resolve()))

        def stopped_early() -> None:
            write_outcome(trial, steps_done=core.last_step, wall_time_s=time.perf_counter() - started,
                          final_metrics=core.last_metrics, params_count=core.info.get("params_count"))

        oom_message = None
        try:
            result = self.train_fn(config, reporter, run_dir)
        except optuna.TrialPruned:
            stopped_early()
            self._ended(trial, run_dir)
            raise
        except Preempted as err:  # not the trial's fault: no `error`, so it is not counted
            stopped_early()
            mark_interrupted(trial, err)
            raise
        except Exception as err:
            if is_out_of_memory(err):
                oom_message = f"{type(err).__name__}: {err}"[:500]
            else:
                stopped_early()
                if stopping_error(err, "") is None:  # a full disk leaves the trial to resume: keep all
                    record_error(trial, err)
                    self._ended(trial, run_dir)
                raise
        if oom_message is not None:
            # Outside the except block: the traceback (and the tensors its frames hold) is gone.
            release_device_memory()
            stopped_early()
            write_record(trial, prune_reason="oom")
            self._ended(trial, run_dir)
            raise optuna.TrialPruned(oom_message)
        try:
            return self._complete(trial, result, started, metric)
        finally:
            self._ended(trial, run_dir)

    def _ended(self, trial: optuna.Trial, run_dir: Path) -> None:
        """The trial will never resume (Ctrl-C, a kill or a full disk never get here): apply the study's
        checkpoints.keep to its run folder and record what is left."""
        from ..runs.keep import keep_checkpoints

        keep = getattr(getattr(self.spec, "checkpoints", None), "keep", "best")
        kept = keep_checkpoints(run_dir, keep)
        write_record(trial, checkpoint=str(kept) if kept is not None else None)

    # -- pieces ---------------------------------------------------------------------------------
    def _build_config(self, trial: optuna.Trial, params: Dict[str, Any], seed: int) -> TrialConfig:
        tree = json.loads(json.dumps(self.spec.base_config, default=str))
        for dotted, value in params.items():
            set_dotted(tree, dotted, value)
        set_dotted(tree, "train.seed", seed)
        return trial_config(tree, f"{self.spec.path} (trial {trial.number})")

    def _enqueue_repeats(self, trial: optuna.Trial, sampled: bool, new_configuration: bool) -> None:
        """A newly sampled configuration queues its k-1 repeats (same params, next seeds). Under
        `repeats: auto`, every trial the sampler proposed instead runs one round of the race
        (search/racing.py): it queues a seed for each leading configuration that needs one. A queued
        seed queues nothing, so new configurations and race rounds take turns; once a finite space
        is exhausted, the worker loop runs the rounds (racing.race_step)."""
        if getattr(self.spec, "racing", None) is not None:
            if sampled:
                from .racing import queue_race_seeds

                queue_race_seeds(self.spec, trial.study)
            return
        if not new_configuration or self.spec.repeats <= 1:
            return
        for r in range(1, self.spec.repeats):
            trial.study.enqueue_trial(dict(trial.params), user_attrs=queued_attrs(r))

    def _complete(self, trial: optuna.Trial, result, started: float, metric: str) -> float:
        write_outcome(trial, steps_done=result.steps_done, wall_time_s=time.perf_counter() - started,
                      final_metrics=result.final_metrics, params_count=result.params_count,
                      memory_peak_bytes=result.memory_peak_bytes,
                      val_scores=result.val_scores, val_ids=result.val_ids,
                      data_wait_share=result.data_wait_share,
                      val_pa_scores=result.val_pa_scores, blind=result.blind)
        if result.status == "nan":
            write_record(trial, prune_reason="nan")
            raise optuna.TrialPruned(result.message or "the training loss became non-finite")
        values = [h[metric] for h in result.history if metric in h]
        if not values:
            raise RuntimeError(f"training finished without any '{metric}' evaluation")
        if getattr(self.spec, "multi_objective", False):  # the score, then each cost from the record
            from ..study.objectives import trial_values

            return trial_values(self.spec.objectives, values[-1], TrialRecord.of(trial))
        return float(values[-1])

    @property
    def train_fn(self) -> Callable:
        if self._train_fn is None:
            from ..train.trainer import train

            self._train_fn = train
        return self._train_fn
