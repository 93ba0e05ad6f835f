"""The study file's small sections: objective, sampler, pruner, ray, heartbeat, checkpoints and racing
(repeats: auto).

Each is a pydantic model StudySpec (study_spec.py) holds as a field; a sampler's or pruner's `type`
must be a key of its registry (samplers.py, pruners.py).
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar, Dict, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..spec_base import Spec
from ..metrics.metric_names import objective_problem
from .objectives import COSTS, cost_problem
from .pruners import PRUNERS
from .samplers import SAMPLERS


def _registered(name: str, registry: dict) -> str:
    if name not in registry:
        close = difflib.get_close_matches(name, list(registry), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"expected one of {', '.join(map(repr, registry))}, got {name!r}{hint}")
    return name


class ObjectiveSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metric: str = "score"
    direction: Literal["minimize", "maximize"] = "minimize"

    @field_validator("metric")
    @classmethod
    def _known(cls, v: str) -> str:
        problem = objective_problem(v)
        if problem is not None and cost_problem(v) is not None:
            raise ValueError(problem + f"; or, after the first objective of a list, one of {', '.join(COSTS)}")
        return v


class _RegisteredSpec(Spec):
    """A `type` that must be a key of the class's registry, and the `args` its constructor takes."""

    model_config = ConfigDict(extra="forbid")
    registry: ClassVar[dict] = {}
    type: str
    args: Dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _known(cls, v: str) -> str:
        return _registered(v, cls.registry)


class SamplerSpec(_RegisteredSpec):
    registry: ClassVar[dict] = SAMPLERS  # study/samplers.py
    type: str = "tpe"
    seed: Optional[int] = Field(None, ge=0, lt=2**32)  # Optuna's (numpy's) seed range


class PrunerSpec(_RegisteredSpec):
    registry: ClassVar[dict] = PRUNERS  # study/pruners.py
    type: str = "median"


class RaySpec(Spec):
    """For the Ray backend (`backend: ray`); ignored by the Optuna backend."""

    model_config = ConfigDict(extra="forbid")
    address: Optional[str] = None
    storage_path: Optional[str] = None  # a folder every node mounts, or s3://, gs://, file:// (ray/paths.py)
    cpus_per_trial: float = Field(1.0, gt=0)
    gpus_per_trial: float = Field(0.0, ge=0)


class HeartbeatSpec(Spec):
    """Crash safety (RDB storages): a trial silent for `grace_period` s is failed and retried."""

    model_config = ConfigDict(extra="forbid")
    interval: int = Field(10, ge=1)
    grace_period: int = Field(60, ge=2)
    max_retry: int = Field(3, ge=0)


class CheckpointsSpec(Spec):
    """What a trial's run folder keeps once the trial has ended (runs/keep.py): best.pt (the best
    evaluation's weights), checkpoint.pt (the last state, with the optimizer) or neither."""

    model_config = ConfigDict(extra="forbid")
    keep: Literal["best", "last", "none"] = "best"


class RacingSpec(Spec):
    """`repeats: {auto: true, confidence: 0.95, max: 8}`."""

    model_config = ConfigDict(extra="forbid")
    auto: Literal[True] = True
    confidence: float = Field(0.95, gt=0.5, lt=1)
    max: int = Field(8, ge=2, le=100)  # seeds per configuration at most
