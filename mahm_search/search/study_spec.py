"""StudySpec: one study file (studies/NAME.yaml), validated completely before any trial starts.

`load_study_spec(path)` reads the YAML, resolves the base config and the search space (inline or
files relative to the study file), merges the study's train/data/mano sections into the base,
and checks that every corner value of every distribution still gives a valid TrialConfig.
All problems are collected and raised together as one ConfigError (CLI exit status 2).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from ..config import TrialConfig, deep_merge, load_yaml, set_dotted
from ..errors import ConfigError, parse_model
from ..memory.units import parse_bytes, size_problem
from .plots_spec import PlotsSpec
from .pruners import PRUNERS
from .sampler_check import check_sampler_and_pruner
from .samplers import SAMPLERS
from .space import SearchSpace, load_space

# What the trainer reports at each eval (train/metrics.py); lower is better for all of them.
KNOWN_METRICS = ("score", "mpjpe", "mpvpe", "pa_mpjpe", "mrrpe")


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
        if v not in KNOWN_METRICS:
            raise ValueError(f"expected one of {', '.join(KNOWN_METRICS)}")
        return v


class _RegisteredSpec(BaseModel):
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
    registry: ClassVar[dict] = SAMPLERS  # search/samplers.py
    type: str = "tpe"
    seed: Optional[int] = None


class PrunerSpec(_RegisteredSpec):
    registry: ClassVar[dict] = PRUNERS  # search/pruners.py
    type: str = "median"


class RaySpec(BaseModel):
    """For the Ray backend (`backend: ray`); ignored by the Optuna backend."""

    model_config = ConfigDict(extra="forbid")
    address: Optional[str] = None
    storage_path: Optional[str] = None  # a folder every node mounts, or s3://, gs://, file:// (ray/paths.py)
    cpus_per_trial: float = Field(1.0, gt=0)
    gpus_per_trial: float = Field(0.0, ge=0)


class HeartbeatSpec(BaseModel):
    """Crash safety (RDB storages): a trial silent for `grace_period` s is failed and retried."""

    model_config = ConfigDict(extra="forbid")
    interval: int = Field(10, ge=1)
    grace_period: int = Field(60, ge=2)
    max_retry: int = Field(3, ge=0)


class RacingSpec(BaseModel):
    """`repeats: {auto: true, confidence: 0.95, max: 8}`."""

    model_config = ConfigDict(extra="forbid")
    auto: Literal[True] = True
    confidence: float = Field(0.95, gt=0.5, lt=1)
    max: int = Field(8, ge=2, le=100)  # seeds per configuration at most


class StudySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.\-]+$")
    storage: Optional[str] = None  # SQLAlchemy URL, or journal:FILE; default sqlite next to the file
    backend: Literal["optuna", "ray"] = "optuna"
    objective: ObjectiveSpec = ObjectiveSpec()
    sampler: SamplerSpec = SamplerSpec()
    pruner: PrunerSpec = PrunerSpec()
    n_trials: int = Field(10, ge=1)  # COMPLETE + PRUNED + errored FAIL trials to reach (repeats count)
    timeout: Optional[float] = Field(None, gt=0)  # seconds per `run` invocation; no new trial after it
    # seeds per sampled configuration: a number, or `auto` / {auto: true, confidence, max}: racing
    # (search/racing.py) adds seeds to the leading configurations until they are told apart
    repeats: Union[int, Literal["auto"], RacingSpec] = 1
    train: Dict[str, Any] = Field(default_factory=dict)
    data: Dict[str, Any] = Field(default_factory=dict)
    mano: Dict[str, Any] = Field(default_factory=dict)
    memory: Optional[Union[int, str]] = None  # e.g. 10GiB; default: CUDA total, or a share of RAM
    memory_ram_share: float = Field(0.5, gt=0, le=1)
    base: Union[str, Dict[str, Any]] = Field(default_factory=dict)
    space: Union[str, Dict[str, Any]] = Field(default_factory=dict)
    plots: PlotsSpec = PlotsSpec()
    pack_gpu: bool = False
    ray: RaySpec = RaySpec()
    heartbeat: HeartbeatSpec = HeartbeatSpec()

    _path: Path = PrivateAttr(default=Path("."))
    _base_config: Dict[str, Any] = PrivateAttr(default_factory=dict)
    _search_space: SearchSpace = PrivateAttr(default_factory=SearchSpace)

    @field_validator("repeats")
    @classmethod
    def _repeats(cls, v):
        if v == "auto":
            return RacingSpec()
        if isinstance(v, int) and v < 1:
            raise ValueError("expected a number >= 1, 'auto', or {auto: true, confidence: 0.95, max: 8}")
        return v

    @property
    def racing(self) -> Optional[RacingSpec]:
        """The racing settings when `repeats` is auto, else None."""
        return self.repeats if isinstance(self.repeats, RacingSpec) else None

    @property
    def fixed_repeats(self) -> int:
        """Seeds queued per fresh configuration up front (1 under racing: the race adds the rest)."""
        return 1 if self.racing is not None else int(self.repeats)

    @field_validator("memory")
    @classmethod
    def _size(cls, v):
        problem = size_problem(v) if v is not None else None
        if problem is not None:
            raise ValueError(problem)
        return v

    # -- resolved by load_study_spec -------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self._path

    @property
    def folder(self) -> Path:
        return self._path.parent

    @property
    def base_config(self) -> Dict[str, Any]:
        """The fixed TrialConfig dict (base + study train/data/mano), before params and seed."""
        return self._base_config

    @property
    def search_space(self) -> SearchSpace:
        return self._search_space

    @property
    def memory_bytes(self) -> Optional[int]:
        return parse_bytes(self.memory) if self.memory is not None else None

    @property
    def runs_dir(self) -> Path:
        return self.folder / f"{self.name}_runs"

    @property
    def storage_url(self) -> str:
        url = self.storage or f"sqlite:///{self.name}.db"
        for prefix in ("sqlite:///", "journal:"):
            if url.startswith(prefix):
                file = Path(url[len(prefix):])
                if not file.is_absolute():
                    file = (self.folder / file).resolve()
                url = f"{prefix}{file}"
        return url


def load_study_spec(path: str | Path) -> StudySpec:
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping with at least 'name' (got {type(data).__name__})"])
    spec = parse_model(StudySpec, data, path)
    spec._path = path.resolve()
    problems: List[str] = []

    base = _load_base(spec, path, problems)
    merged = deep_merge(base, {k: v for k, v in (("train", spec.train), ("data", spec.data),
                                                 ("mano", spec.mano)) if v})
    merged = deep_merge(merged, {"train": {"objective": spec.objective.metric}})
    spec._base_config = merged
    try:
        parse_model(TrialConfig, merged, path)
    except ConfigError as err:
        problems.extend(err.problems)

    try:
        spec._search_space, space_source = load_space(spec.space, path)
    except ConfigError as err:
        problems.extend(err.problems)
        space_source = path
    if not problems:
        problems.extend(_check_corners(spec, space_source))
        problems.extend(check_sampler_and_pruner(spec, path))
    if problems:
        raise ConfigError(problems)
    return spec


def _load_base(spec: StudySpec, path: Path, problems: List[str]) -> Dict[str, Any]:
    if isinstance(spec.base, dict):
        return dict(spec.base)
    file = path.parent / spec.base
    if not file.is_file():
        problems.append(f"{path}: base: file '{spec.base}' does not exist (expected a TrialConfig "
                        f"YAML relative to the study file)")
        return {}
    data = load_yaml(file)
    if data is not None and not isinstance(data, dict):
        problems.append(f"{file}: expected a mapping of arch/data/train/loss/mano sections")
        return {}
    return data or {}


def _check_corners(spec: StudySpec, source: Path) -> List[str]:
    """Every edge value of every distribution (and all-low / all-high) must give a valid config."""
    problems: List[str] = []
    seen = set()
    for assignment in spec.search_space.corner_assignments():
        tree = _copy(spec.base_config)
        for dotted, value in assignment.items():
            set_dotted(tree, dotted, value)
        try:
            parse_model(TrialConfig, tree, source)
        except ConfigError as err:
            shown = ", ".join(f"{k}={v!r}" for k, v in assignment.items())
            for line in err.problems:
                msg = line.split(": ", 1)[1] if ": " in line else line
                key = (shown, msg)
                if key not in seen:
                    seen.add(key)
                    problems.append(f"{source}: space: {shown} gives an invalid config: {msg}")
    return problems


def _copy(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _copy(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_copy(v) for v in tree]
    return tree
