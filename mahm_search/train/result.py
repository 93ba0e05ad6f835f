"""TrainResult: what one training run hands back (docs/interfaces.md)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainResult:
    status: str  # 'complete' | 'nan'
    message: str
    history: list = field(default_factory=list)  # [{"step": int, **metrics}] at every evaluation
    steps_done: int = 0
    wall_time_s: float = 0.0  # summed over the interrupted and resumed parts of the run
    memory_peak_bytes: int = 0
    params_count: int = 0
    loss_weights: dict = field(default_factory=dict)  # as used, i.e. after balance: auto
    final_metrics: dict = field(default_factory=dict)
