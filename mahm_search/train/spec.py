"""Loss weights and the training recipe of one run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Literal, Optional

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..plugins.kinds import LOSS_TERMS, METRICS
from ..spec_base import Spec
from ..metrics.metric_names import objective_problem


class LossWeights(Spec):
    """One weight per loss term; every entry is searchable (e.g. `loss.weights.joints_3d`). A registered
    loss-term plug-in is switched on by giving it a weight here (`loss.weights.my_term: 0.5`)."""

    model_config = ConfigDict(extra="allow")

    joints_3d: float = Field(1.0, ge=0)
    joints_2d: float = Field(1.0, ge=0)
    pose: float = Field(1.0, ge=0)
    shape: float = Field(1.0, ge=0)
    root_rel: float = Field(1.0, ge=0)
    vertices: float = Field(1.0, ge=0)
    heatmap: float = Field(1.0, ge=0)
    # Procrustes-aligned joints (PA-MPJPE as a loss): the only term blind to where the hand points, so the
    # finger articulation is not drowned by the global-rotation error. 0 = off (not computed).
    joints_pa: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _plugin_terms(self):
        for name, weight in (self.model_extra or {}).items():
            problem = LOSS_TERMS.problem(name)
            if problem is not None:
                raise ValueError(f"{name}: not a built-in loss term ({', '.join(type(self).model_fields)}) and {problem}")
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                raise ValueError(f"{name}: expected a weight >= 0, got {weight!r}")
            self.model_extra[name] = float(weight)
        return self

    def plugin_terms(self) -> List[str]:
        """The loss-term plug-ins this config weights, in the order given."""
        return list(self.model_extra or {})


class LossSpec(Spec):
    model_config = ConfigDict(extra="forbid")

    weights: LossWeights = LossWeights()
    # 'auto': measure each term over the first balance_steps steps, then rescale so all terms start
    # within one order of magnitude (report section 2.3); `weights` then act as relative priorities.
    balance: Literal["none", "auto"] = "none"
    balance_steps: int = Field(10, ge=1)
    stage_decay: float = Field(1.0, gt=0, le=1)  # stage k of K is weighted stage_decay**(K-1-k)


class TrainSpec(Spec):
    model_config = ConfigDict(extra="forbid")

    steps: int = Field(200, ge=1)
    eval_every: int = Field(50, ge=1)
    batch_size: int = Field(16, ge=1)
    lr: float = Field(1e-3, gt=0)  # AdamW; 3e-4 left the short (100-300 step) runs of the studies undertrained
    weight_decay: float = Field(1e-4, ge=0)
    warmup_steps: int = Field(10, ge=0)
    schedule: Literal["cosine", "step", "constant"] = "cosine"
    # fractions of steps, for 'step': each in (0, 1]
    step_milestones: List[Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=lambda: [0.75])
    step_gamma: float = Field(0.1, gt=0)
    grad_clip: Optional[float] = Field(1.0, gt=0)
    amp: Literal["none", "bf16", "fp16"] = "bf16"  # used on CUDA only
    channels_last: Literal["auto", "on", "off"] = "auto"
    # The fast step (fast_step.py). 'auto': on for CUDA, off elsewhere. A config that fails to compile
    # or capture falls back to the eager step with one warning; the trial goes on.
    compile: Literal["auto", "on", "off"] = "auto"  # torch.compile(fullgraph=True) of forward+loss, clip+AdamW
    cuda_graphs: Literal["auto", "on", "off"] = "auto"  # the whole step as one CUDA graph (CUDA only)
    # Memory rescue knobs (set by the scheduler; same mathematics, less memory):
    checkpointing: List[Literal["stages", "backbone"]] = Field(default_factory=list)
    micro_batches: int = Field(1, ge=1)  # gradient accumulation; batch_size stays the effective batch
    checkpoint_every: Optional[int] = Field(None, ge=1)  # None: at every eval
    objective: str = "score"  # metric name; 'score' = mean(MPJPE, MPVPE) in mm
    # Metric plug-ins computed at every evaluation, reported beside the built-in metrics
    metrics: List[str] = Field(default_factory=list)
    # Start from these weights (a run's checkpoint.pt or best.pt, same architecture): fine-tuning, with
    # a fresh optimizer and schedule. Ignored when the run folder's own checkpoint resumes the run.
    init_from: Optional[Path] = None
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, v: List[str]) -> List[str]:
        for name in v:
            problem = METRICS.problem(name)
            if problem is not None:
                raise ValueError(problem)
        return v

    def plugin_metrics(self) -> List[str]:
        """Metric plug-ins to compute (reported beside the built-in metrics; the objective stays a built-in
        one, which the blind baseline scores too)."""
        return list(self.metrics)

    @field_validator("objective")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        problem = objective_problem(v)  # the list a study's objective.metric uses too
        if problem is not None:
            raise ValueError(problem)
        return v
