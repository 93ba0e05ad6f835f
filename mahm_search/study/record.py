"""A trial's record: the user attrs one trial keeps in the study's storage, named in this one place.

Written only through `write_record` (both backends, the trainer's reporter, the Ray bridge; also
`write_outcome`, `record_error`, and `queued_attrs` for a trial queued with its seed) and read only by
`TrialRecord.of` and `is_queued` (status, progress, trial counting, the report and trials.csv), so a
writer and a reader cannot drift apart: a field that is not declared here cannot be written.

    config_key, repeat, seed, config   what was trained (config: the TrialConfig after any rescue)
    run_dir                            the trial's run folder (checkpoint.pt to resume, best.pt with the
                                       best evaluation's weights, history.csv); both backends
    checkpoint                         the checkpoint the run folder kept once the trial ended (the
                                       study's checkpoints.keep: best.pt, checkpoint.pt), None for none
    code_version                       the code that ran it (provenance.code_version: package
                                       version, git commit when a checkout, source hash)
    memory_budget_bytes                the budget the memory gate applied
    memory_estimate_bytes, rescue      the gate's estimate of the trained config (what the budget is
                                       compared with: on CUDA with its allowances) and how it was rescued
    memory_estimate_tensor_bytes       that estimate's tensor peak alone: the same quantity as
                                       memory_peak_bytes, so a study's records check the estimator
    memory_method                      which estimator made that figure (memory/estimate.py)
    memory_original_estimate_bytes     the gate's estimate of the config before any rescue
    params_count, steps_done           the network's size and the optimizer steps done
    memory_peak_bytes                  the measured tensor peak (train/step/peak_memory.py; None when the
                                       trial did not finish training)
    wall_time_s, final_metrics         the trial's wall time and its last evaluation's metrics
    data_wait_share                    the share of its training loop spent waiting for batches
                                       (train/trainer.py DataWait; None when training did not finish)
    val_scores, val_ids                the last evaluation's objective per validation sample (mm, NaN
                                       stored as None) and the samples' official ids when the data has them
    val_pa_scores                      the same evaluation's PA-MPJPE per validation sample
    blind                              the blind baseline of the trial's data (train/blind/blind.py: the training
                                       set's mean hand scored on the same validation set): {key, metrics,
                                       val_scores, val_pa_scores, n_train, n_val}; None for trials
                                       recorded before it existed
    curve                              multi-objective studies only: [[step, objective], ...] at each eval
                                       (Optuna keeps intermediate values for single-objective studies only)
    prune_reason                       PRUNED only: one of PRUNE_REASONS
    error                              FAIL only: the exception; a FAIL without it is a dead process
    interrupted                        FAIL only: a preemption (search/preempt/): {reason, step,
                                       checkpointed, at}; not counted, queued to resume from that step
    resumed_from_step                  the checkpoint step a retry continued from (0: from scratch)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Dict, List, Optional

import optuna

# Why a trial was PRUNED: it did not fit the memory budget even with a rescue (no step trained), the
# study's pruner stopped it, its loss became non-finite, or the device ran out of memory anyway.
PRUNE_REASONS = ("memory", "pruner", "nan", "oom")


@dataclass
class TrialRecord:
    config_key: Optional[str] = None
    repeat: int = 0
    seed: Optional[int] = None
    config: Optional[Dict[str, Any]] = None
    run_dir: Optional[str] = None
    checkpoint: Optional[str] = None
    code_version: Optional[str] = None
    memory_budget_bytes: Optional[int] = None
    memory_estimate_bytes: Optional[int] = None
    memory_estimate_tensor_bytes: Optional[int] = None
    memory_method: Optional[str] = None
    memory_original_estimate_bytes: Optional[int] = None
    rescue: Optional[str] = None
    params_count: Optional[int] = None
    steps_done: Optional[int] = None
    memory_peak_bytes: Optional[int] = None
    wall_time_s: Optional[float] = None
    data_wait_share: Optional[float] = None
    final_metrics: Dict[str, float] = field(default_factory=dict)
    val_scores: List[Optional[float]] = field(default_factory=list)
    val_ids: Optional[List[int]] = None
    val_pa_scores: List[Optional[float]] = field(default_factory=list)
    blind: Optional[Dict[str, Any]] = None
    curve: List[List[float]] = field(default_factory=list)
    prune_reason: Optional[str] = None
    error: Optional[str] = None
    interrupted: Optional[Dict[str, Any]] = None
    resumed_from_step: Optional[int] = None

    @classmethod
    def of(cls, trial: Any) -> "TrialRecord":
        """The record of a FrozenTrial or a live optuna.Trial (attrs it does not hold keep defaults)."""
        attrs = trial.user_attrs
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in attrs.items() if k in known and v is not None}
        return cls(**values)

    def get(self, name: str) -> Any:
        return getattr(self, name)


FIELDS = tuple(f.name for f in fields(TrialRecord))


def write_record(target: Any, **values: Any) -> None:
    """Store `values` (TrialRecord field names) on `target`: a live optuna.Trial, or a
    (storage, trial_id) pair for a trial that another process owns (the Ray driver)."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise TypeError(f"not TrialRecord fields: {unknown}")
    if values.get("prune_reason") not in (None, *PRUNE_REASONS):
        raise ValueError(f"prune_reason: expected one of {PRUNE_REASONS}, got {values['prune_reason']!r}")
    if isinstance(target, tuple):
        storage, trial_id = target
        setter = lambda k, v: storage.set_trial_user_attr(trial_id, k, v)  # noqa: E731
    else:
        setter = target.set_user_attr
    for name, value in values.items():
        setter(name, _plain(name, value))


def queued_attrs(repeat: int) -> Dict[str, Any]:
    """The user attrs of a trial queued (enqueue_trial, create_trial) as repeat `repeat` of known
    params: a queued repeat, a race seed or a retried failure, not a configuration the sampler chose."""
    return {"repeat": int(repeat)}


def is_queued(trial: Any) -> bool:
    """Was this trial queued with its repeat (`queued_attrs`), rather than sampled?"""
    return "repeat" in trial.user_attrs


def write_outcome(target: Any, *, steps_done: int, wall_time_s: float, final_metrics: Optional[dict],
                  params_count: Optional[int] = None, memory_peak_bytes: Optional[int] = None,
                  val_scores: Optional[list] = None, val_ids: Optional[list] = None,
                  data_wait_share: Optional[float] = None, val_pa_scores: Optional[list] = None,
                  blind: Optional[dict] = None) -> None:
    """What a trial leaves however it ended: size, steps, time, its last metrics and its peak, and
    (a completed training) its per-sample validation scores and its data's blind baseline."""
    write_record(target, params_count=None if params_count is None else int(params_count),
                 steps_done=int(steps_done), wall_time_s=round(float(wall_time_s), 3),
                 final_metrics=final_metrics or {},
                 memory_peak_bytes=int(memory_peak_bytes) if memory_peak_bytes else None)
    if val_scores:
        write_record(target, val_scores=val_scores, val_ids=val_ids)
    if val_pa_scores:
        write_record(target, val_pa_scores=val_pa_scores)
    if blind is not None:
        write_record(target, blind=blind)
    if data_wait_share is not None:
        write_record(target, data_wait_share=float(data_wait_share))


def _plain(name: str, value: Any) -> Any:
    """JSON-safe values, as Optuna's storages keep them."""
    if name == "final_metrics":
        return {str(k): float(v) for k, v in (value or {}).items() if isinstance(v, (int, float))}
    if name in ("val_scores", "val_pa_scores"):
        # in the storage, not a file in the run folder: every worker, host and the report reach it.
        # 0.001 mm is far below any difference the report resolves; ~8 bytes per sample in the JSON.
        return [round(float(v), 3) if v is not None and math.isfinite(v) else None for v in value or []]
    if name == "blind" and value is not None:
        return {**value, "metrics": _plain("final_metrics", value.get("metrics")),
                "val_scores": _plain("val_scores", value.get("val_scores")),
                "val_pa_scores": _plain("val_scores", value.get("val_pa_scores"))}
    if name == "val_ids" and value is not None:
        return [int(i) for i in value]
    if name == "error" and value is not None:
        return str(value)[:2000]
    return value


def record_error(target: Any, err: BaseException) -> None:
    """A failed trial's `error`, unless an earlier, more specific one is already stored."""
    attrs = target.user_attrs if isinstance(target, optuna.Trial) else {}
    if "error" not in attrs:
        write_record(target, error=f"{type(err).__name__}: {err}")
