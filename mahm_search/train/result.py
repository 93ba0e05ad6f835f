"""TrainResult: what one training run hands back (docs/interfaces.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class TrainResult:
    status: str  # 'complete' | 'nan'
    message: str
    history: list = field(default_factory=list)  # [{"step": int, **metrics}] at every evaluation
    steps_done: int = 0
    wall_time_s: float = 0.0  # summed over the interrupted and resumed parts of the run
    # the tensor peak (train/step/peak_memory.py), comparable with the estimate's tensor_bytes; None: not measured
    memory_peak_bytes: Optional[int] = None
    params_count: int = 0
    loss_weights: dict = field(default_factory=dict)  # as used, i.e. after balance: auto
    final_metrics: dict = field(default_factory=dict)
    # The last evaluation's objective per validation sample, in the val set's order (NaN where a sample
    # counts nothing), so two runs scored on the same samples can be compared paired; [] when the
    # objective has no per-sample form (mrrpe, per-hand keys). val_ids: the samples' official ids, if any.
    val_scores: list = field(default_factory=list)
    val_ids: Optional[list] = None
    val_pa_scores: list = field(default_factory=list)  # the same evaluation's PA-MPJPE per sample
    # The blind baseline of this run's data (train/blind/blind.py BlindBaseline.for_record): the mean hand's
    # metrics and per-sample errors on the same validation set; None where it was not computed.
    blind: Optional[dict] = None
    # The share of the training loop (steps and the waits for their batches, in this process) spent
    # waiting for batches; None before the first step. Near 0: the loader keeps up.
    data_wait_share: Optional[float] = None
