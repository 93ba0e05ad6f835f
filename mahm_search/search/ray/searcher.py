"""Ray's OptunaSearch with our admission in front of it and our bookkeeping behind it.

- suggest(): the study's sampler proposes params on an Optuna trial in the study's storage, then
  TrialObjective.admit() (sampling, config, memory gate) runs here, in the driver, BEFORE Tune
  creates a trial: a config that does not fit is rescued (the rescued config is what the trial
  gets) or recorded as PRUNED (prune_reason=memory) and the next one is asked for; it never holds a
  CPU or GPU. With pack_gpu the estimate also sets the trial's GPU fraction.
- The trial itself (trainable.py) writes intermediate values, user attrs and its final state
  straight into the storage; on_trial_complete() only fixes trials a scheduler stopped (still
  RUNNING -> PRUNED, prune_reason=pruner) or that crashed (-> FAIL with `error`); while the run
  stops on a stopping error (disk full) it leaves them RUNNING for run_ray to queue again.
- The study's n_trials budget is enforced here: Searcher.FINISHED once enough trials count.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
import warnings
from typing import Any, Dict, Optional

import optuna
from optuna.trial import TrialState
from ray.tune.search import Searcher
from ray.tune.search.optuna import OptunaSearch

from ..racing import race_step, space_keys
from ..trial import TrialObjective
from ..trial_counts import count_trials
from ..stopping.error_streak import study_error_streak
from ...study.record import TrialRecord, record_error, write_outcome, write_record
from .paths import experiment_store
from .stopping import stopping
from .suggestion import CONFIG_KEY
from ..optuna.optuna_private import storage_of, trial_id_of

MAX_GPU_SHARERS = 8  # never split one GPU finer than this, whatever the estimates say


class _SpaceMarker:
    """OptunaSearch needs a (picklable) space; the real sampling happens in TrialObjective."""

    def __call__(self, trial) -> None:
        return None


class AdmittingOptunaSearch(OptunaSearch):
    def __init__(self, spec, storage: optuna.storages.BaseStorage, sampler, n_trials: int,
                 gpu_budget_bytes: Optional[int] = None):
        mode = "max" if spec.objective.direction == "maximize" else "min"
        super().__init__(space=_SpaceMarker(), metric=spec.objective.metric, mode=mode, sampler=sampler,
                         study_name=spec.name, storage=storage)
        self.spec = spec
        self.n_trials = n_trials
        self.gpu_budget_bytes = gpu_budget_bytes if spec.pack_gpu else None
        self._objective: Optional[TrialObjective] = None
        # under racing, the configurations of a finite space (racing.space_keys): listed once
        self._race_keys = (space_keys(spec, self._trial_objective().fixed) if spec.racing is not None else None)
        self.started = datetime.now()  # the error streak counts this run's trials (naive, as Optuna's)

    # -- Tune's Searcher API -------------------------------------------------------------------
    def suggest(self, trial_id: str) -> Optional[Dict[str, Any]]:
        if trial_id in self._ot_trials:  # asked again for the same trial (e.g. after a restore)
            return self._suggestion(self._ot_trials[trial_id], None)
        while True:
            trials = self._ot_study.get_trials(deepcopy=False)
            if stopping() or self._budget_reached() or study_error_streak(self.spec, trials, self.started):
                return Searcher.FINISHED  # run_ray then says why, if it was a stop or the error streak
            race = self._race_step(trials)
            if race == "done":
                return Searcher.FINISHED  # the end-of-run summary states the race
            if race == "wait":
                return None  # Tune asks again later, once the running trials' scores are in
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ot_trial = self._ot_study.ask()
            admitted = self._admit(ot_trial)
            if admitted is not None:
                self._ot_trials[trial_id] = ot_trial
                return self._suggestion(ot_trial, admitted)

    def on_trial_result(self, trial_id: str, result: Dict) -> None:
        """Nothing: the trial wrote its intermediate value to the storage before reporting."""

    def on_trial_complete(self, trial_id: str, result: Optional[Dict] = None, error: bool = False) -> None:
        ot_trial = self._ot_trials.get(trial_id)
        if ot_trial is None or trial_id in self._completed_trials:
            return
        self._completed_trials.add(trial_id)
        finalize_stopped_trial(self.spec, self._ot_study, trial_id_of(ot_trial), error, result)

    def save(self, checkpoint_path: str) -> None:
        cache, self._objective = self._objective, None  # holds lambdas; rebuilt on demand
        try:
            super().save(checkpoint_path)
        finally:
            self._objective = cache

    # -- pieces ------------------------------------------------------------------------------
    def _race_step(self, trials) -> str:
        """Under `repeats: auto`, with nothing queued: search/racing.py's race_step ("ask", "wait" or
        "done"), as the Optuna backend's worker loop does it."""
        if self.spec.racing is None or any(t.state == TrialState.WAITING for t in trials):
            return "ask"
        return race_step(self.spec, self._ot_study, trials, self._race_keys)

    def _trial_objective(self) -> TrialObjective:
        if self._objective is None:
            self._objective = TrialObjective(self.spec)
        return self._objective

    def _budget_reached(self) -> bool:
        trials = self._ot_study.get_trials(deepcopy=False)
        counts = count_trials(trials)
        # Running trials will count once they finish; waiting ones are queued repeats still to come.
        return counts.done + counts.running >= self.n_trials

    def _admit(self, ot_trial: optuna.Trial):
        """The memory-checked config, or None after recording the trial as PRUNED / FAIL."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return self._trial_objective().admit(ot_trial).config
        except optuna.TrialPruned:  # memory: its record (prune_reason, estimate) is written
            self._ot_study.tell(ot_trial, state=TrialState.PRUNED)
            return None
        except Exception as err:  # e.g. a config the trainer rejects: FAIL it, as the Optuna backend does
            record_error(ot_trial, err)
            self._ot_study.tell(ot_trial, state=TrialState.FAIL)
            return None

    def _suggestion(self, ot_trial: optuna.Trial, config) -> Dict[str, Any]:
        record = TrialRecord.of(ot_trial)
        config_dict = config.to_dict() if config is not None else record.config
        return {**ot_trial.params, CONFIG_KEY: {
            "trial_id": trial_id_of(ot_trial), "number": ot_trial.number, "config": config_dict,
            "gpu_share": self._gpu_share(record.memory_estimate_bytes)}}

    def _gpu_share(self, estimate: Optional[int]) -> float:
        """pack_gpu: 1/k of a GPU when k such trials fit in its memory at once (k >= 2), else 1."""
        if not self.gpu_budget_bytes or not estimate:
            return 1.0
        k = min(MAX_GPU_SHARERS, int(self.gpu_budget_bytes // max(int(estimate), 1)))
        return 1.0 if k < 2 else math.floor(10_000 / k) / 10_000


def finalize_stopped_trial(spec, study: optuna.Study, trial_id: int, error: bool,
                           result: Optional[Dict]) -> None:
    """A trial Tune ended while its Optuna trial is still RUNNING: stopped by the scheduler
    (PRUNED, prune_reason=pruner) or crashed (FAIL with `error`). Finished trials are left alone."""
    storage = storage_of(study)
    frozen = storage.get_trial(trial_id)
    if frozen.state != TrialState.RUNNING or stopping():
        return  # stopping (disk full): run_ray queues it again once Ray is down (stopping.py)
    target = (storage, trial_id)
    if error:
        logs = experiment_store(spec).location
        write_record(target, error=f"the Ray trial failed (see the Ray logs under {logs} for its traceback)")
        state = TrialState.FAIL
    else:
        last = result or {}
        write_record(target, prune_reason="pruner")
        write_outcome(target, steps_done=int(last.get("step", 0)), final_metrics=last.get("metrics", {}),
                      wall_time_s=float(last.get("time_total_s", 0.0)))
        state = TrialState.PRUNED
    if frozen.user_attrs.get("run_dir"):  # ended for good: keep what the study says, as TrialObjective does
        from ...runs.keep import keep_checkpoints

        keep = getattr(getattr(spec, "checkpoints", None), "keep", "best")
        kept = keep_checkpoints(Path(frozen.user_attrs["run_dir"]), keep)
        write_record(target, checkpoint=str(kept) if kept is not None else None)
    try:
        storage.set_trial_state_values(trial_id, state)
    except (RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
        pass  # the trial finished itself in the meantime: its own state wins
