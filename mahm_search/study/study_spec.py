"""StudySpec: one study file (studies/NAME.yaml), validated completely before any trial starts.

`load_study_spec(path)` reads the YAML, resolves the base config and the search space (inline or
files relative to the study file), merges the study's train/data/mano sections into the base,
and checks that every corner value of every distribution still gives a valid TrialConfig.
All problems are collected and raised together as one ConfigError (CLI exit status 2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Sequence, Union

from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ..config import TrialConfig, deep_merge, load_yaml
from ..errors import ConfigError, parse_model
from ..memory.units import parse_bytes, size_problem
from ..overrides import apply_overrides, mark_overridden
from ..spec_base import Spec
from ..metrics.metric_names import OBJECTIVE_METRICS
from .plots_spec import PlotsSpec
from .sampler_check import check_sampler_and_pruner
from .study_checks import check_corners, fixed_condition_problems, merged_problems
from .sections import CheckpointsSpec, HeartbeatSpec, ObjectiveSpec, PrunerSpec, RacingSpec, RaySpec, SamplerSpec
from .space import SearchSpace, load_space, resolve_space_file
from .slurm_options import SlurmOptions

# What the trainer reports at each eval (metrics/metric_names.py, the list train.objective is checked
# against too); lower is better for all of them.
KNOWN_METRICS = OBJECTIVE_METRICS


class StudySpec(Spec):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.\-]+$")
    storage: Optional[str] = None  # SQLAlchemy URL, or journal:FILE; default sqlite next to the file
    journal_lock: Literal["symlink", "open"] = "symlink"  # a journal's lock; open: O_EXCL, for NFSv3+
    backend: Literal["optuna", "ray"] = "optuna"
    # one metric, or a list: the metric first, then costs (study/objectives.py): a Pareto search.
    # A list is split on reading: its first entry is `objective`, the rest `objective_costs`.
    objective: ObjectiveSpec = ObjectiveSpec()
    objective_costs: List[ObjectiveSpec] = Field(default_factory=list, exclude=True)
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
    checkpoints: CheckpointsSpec = CheckpointsSpec()
    # experiment trackers: [tensorboard, mlflow, wandb], each a name or {name: {args}} (search/trackers/)
    trackers: List[Any] = Field(default_factory=list)
    slurm: Optional[SlurmOptions] = None  # `run --slurm`'s defaults (study/slurm_options.py)

    _path: Path = PrivateAttr(default=Path("."))
    _overrides: List[str] = PrivateAttr(default_factory=list)
    _objectives: List[ObjectiveSpec] = PrivateAttr(default_factory=list)
    _base_config: Dict[str, Any] = PrivateAttr(default_factory=dict)
    _search_space: SearchSpace = PrivateAttr(default_factory=SearchSpace)

    @field_validator("base", "space", mode="before")
    @classmethod
    def _file_or_mapping(cls, v):
        if isinstance(v, (str, dict)):
            return v
        raise ValueError(f"expected a file path (relative to the study file) or an inline mapping, "
                         f"got {type(v).__name__}")

    @field_validator("trackers", mode="before")
    @classmethod
    def _trackers(cls, v):
        from ..search.trackers.spec import normalize_trackers

        return normalize_trackers(v)

    @property
    def tracker_list(self) -> List[Dict[str, Any]]:
        """[{name, args}] for each tracker the study names."""
        return list(self.trackers)

    @field_validator("repeats", mode="before")
    @classmethod
    def _repeats_form(cls, v):
        if v == "auto" or isinstance(v, dict) or (isinstance(v, int) and not isinstance(v, bool)):
            return v
        raise ValueError("expected a number >= 1, 'auto', or {auto: true, confidence: 0.95, max: 8}")

    @field_validator("memory", mode="before")
    @classmethod
    def _size_form(cls, v):
        if v is None:
            return v
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        problem = size_problem(v) if isinstance(v, (int, str)) else (
            f"expected a size such as '10GiB' or a whole number of bytes, got {v!r}")
        if problem is not None:
            raise ValueError(problem)
        return v

    @field_validator("repeats")
    @classmethod
    def _repeats(cls, v):
        if v == "auto":
            return RacingSpec()
        if isinstance(v, int) and v < 1:
            raise ValueError("expected a number >= 1, 'auto', or {auto: true, confidence: 0.95, max: 8}")
        return v

    @model_validator(mode="before")
    @classmethod
    def _split_objectives(cls, data):
        if isinstance(data, dict) and isinstance(data.get("objective"), list):
            listed = data["objective"]
            if not listed:
                raise ValueError("objective: expected a metric, or a list of them (got an empty list)")
            data = {**data, "objective": listed[0], "objective_costs": listed[1:]}
        return data

    @model_validator(mode="after")
    def _objectives_in_order(self):
        # `objective` stays the one metric the trainer reports (every reader's spec.objective); the
        # costs of a Pareto search follow it in `objectives` (study/objectives.py checks the list).
        from .objectives import check_objective_list

        self._objectives = check_objective_list(self)
        return self

    @property
    def objectives(self) -> List[ObjectiveSpec]:
        """Every objective, the trainer's metric first (one unless the study is multi-objective)."""
        return list(self._objectives) or [self.objective]

    @property
    def multi_objective(self) -> bool:
        return len(self.objectives) > 1

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
    def overrides(self) -> List[str]:
        """The `--set KEY=VALUE` overrides applied to the file (in order)."""
        return list(self._overrides)

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


def load_study_spec(path: str | Path, overrides: Sequence[str] = ()) -> StudySpec:
    """`overrides`: `--set KEY=VALUE` lines (overrides.py), applied to the file's mapping before it is
    validated; a problem with an overridden field names the override."""
    try:
        return _load_study_spec(Path(path), tuple(overrides))
    except ConfigError as err:
        if not overrides:
            raise
        raise ConfigError(mark_overridden(err.problems, overrides)) from None


def _load_study_spec(path: Path, overrides: tuple) -> StudySpec:
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping with at least 'name' (got {type(data).__name__})"])
    data = apply_overrides(data, overrides, path, {"base": lambda name: _base_file(path, name),
                                                   "space": lambda name: resolve_space_file(name, path)})
    try:
        spec = parse_model(StudySpec, data, path)
    except ConfigError as err:  # the costs of an objective list, where the file has them
        raise ConfigError([re.sub(r": objective_costs\[(\d+)\]", lambda m: f": objective[{int(m.group(1)) + 1}]", line)
                           for line in err.problems]) from None
    spec._path = path.resolve()
    spec._overrides = list(overrides)
    problems: List[str] = []

    base, base_file = _load_base(spec, path, problems)
    sections = {k: v for k, v in (("train", spec.train), ("data", spec.data), ("mano", spec.mano)) if v}
    sections = deep_merge(sections, {"train": {"objective": spec.objective.metric}})  # the study's, always
    merged = deep_merge(base, sections)
    spec._base_config = merged
    fixed: Optional[TrialConfig] = None
    try:
        fixed = TrialConfig.model_validate(merged)
    except ValidationError as err:
        problems.extend(merged_problems(err, path, base, base_file, sections))

    try:
        spec._search_space, space_source = load_space(spec.space, path)
    except ConfigError as err:
        problems.extend(err.problems)
        space_source = path
    if not problems:
        problems.extend(fixed_condition_problems(spec, fixed, space_source))
    if spec.trackers:  # a tracker's package: one line naming the extra, before any trial starts
        from ..search.trackers.spec import missing_extras

        problems.extend(missing_extras(spec.trackers, path))
    if not problems:
        problems.extend(check_corners(spec, space_source))
        problems.extend(check_sampler_and_pruner(spec, path, space_source))
    if problems:
        raise ConfigError(problems)
    return spec


def _base_file(path: Path, name: str) -> Path:
    file = path.parent / name
    if not file.is_file():
        raise ConfigError([f"{path}: base: file '{name}' does not exist (expected a TrialConfig YAML "
                           f"relative to the study file)"])
    return file


def _load_base(spec: StudySpec, path: Path, problems: List[str]) -> tuple[Dict[str, Any], Optional[Path]]:
    """(the base config dict, the file it came from or None when inline)."""
    if isinstance(spec.base, dict):
        return dict(spec.base), None
    file = path.parent / spec.base
    if file.is_dir():
        problems.append(f"{path}: base: '{spec.base}' is a folder (expected a TrialConfig YAML file "
                        f"relative to the study file)")
        return {}, None
    if not file.is_file():
        problems.append(f"{path}: base: file '{spec.base}' does not exist (expected a TrialConfig "
                        f"YAML relative to the study file)")
        return {}, None
    data = load_yaml(file)
    if data is not None and not isinstance(data, dict):
        problems.append(f"{file}: expected a mapping of arch/data/train/loss/mano sections")
        return {}, None
    return data or {}, file
