"""StudySpec: one study file (studies/NAME.yaml), validated completely before any trial starts.

`load_study_spec(path)` reads the YAML, resolves the base config and the search space (inline or
files relative to the study file), merges the study's train/data/mano sections into the base,
and checks that every corner value of every distribution still gives a valid TrialConfig.
All problems are collected and raised together as one ConfigError (CLI exit status 2).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from ..config import TrialConfig, deep_merge, get_dotted, load_yaml, set_dotted
from ..errors import ConfigError, parse_model, problem_line
from ..memory.units import parse_bytes, size_problem
from ..spec_base import Spec
from ..train.metric_names import OBJECTIVE_METRICS, objective_problem
from .plots_spec import PlotsSpec
from .pruners import PRUNERS
from .sampler_check import check_sampler_and_pruner
from .samplers import SAMPLERS
from .slurm.options import SlurmOptions
from .space import SearchSpace, load_space

# What the trainer reports at each eval (train/metric_names.py, the list train.objective is checked
# against too); lower is better for all of them.
KNOWN_METRICS = OBJECTIVE_METRICS


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
        if problem is not None:
            raise ValueError(problem)
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
    registry: ClassVar[dict] = SAMPLERS  # search/samplers.py
    type: str = "tpe"
    seed: Optional[int] = Field(None, ge=0, lt=2**32)  # Optuna's (numpy's) seed range


class PrunerSpec(_RegisteredSpec):
    registry: ClassVar[dict] = PRUNERS  # search/pruners.py
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


class RacingSpec(Spec):
    """`repeats: {auto: true, confidence: 0.95, max: 8}`."""

    model_config = ConfigDict(extra="forbid")
    auto: Literal[True] = True
    confidence: float = Field(0.95, gt=0.5, lt=1)
    max: int = Field(8, ge=2, le=100)  # seeds per configuration at most


class StudySpec(Spec):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.\-]+$")
    storage: Optional[str] = None  # SQLAlchemy URL, or journal:FILE; default sqlite next to the file
    journal_lock: Literal["symlink", "open"] = "symlink"  # a journal's lock; open: O_EXCL, for NFSv3+
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
    slurm: Optional[SlurmOptions] = None  # `run --slurm`'s defaults (search/slurm/options.py)

    _path: Path = PrivateAttr(default=Path("."))
    _base_config: Dict[str, Any] = PrivateAttr(default_factory=dict)
    _search_space: SearchSpace = PrivateAttr(default_factory=SearchSpace)

    @field_validator("base", "space", mode="before")
    @classmethod
    def _file_or_mapping(cls, v):
        if isinstance(v, (str, dict)):
            return v
        raise ValueError(f"expected a file path (relative to the study file) or an inline mapping, "
                         f"got {type(v).__name__}")

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

    base, base_file = _load_base(spec, path, problems)
    sections = {k: v for k, v in (("train", spec.train), ("data", spec.data), ("mano", spec.mano)) if v}
    sections = deep_merge(sections, {"train": {"objective": spec.objective.metric}})  # the study's, always
    merged = deep_merge(base, sections)
    spec._base_config = merged
    fixed: Optional[TrialConfig] = None
    try:
        fixed = TrialConfig.model_validate(merged)
    except ValidationError as err:
        problems.extend(_merged_problems(err, path, base, base_file, sections))

    try:
        spec._search_space, space_source = load_space(spec.space, path)
    except ConfigError as err:
        problems.extend(err.problems)
        space_source = path
    if not problems:
        problems.extend(_fixed_condition_problems(spec, fixed, space_source))
    if not problems:
        problems.extend(_check_corners(spec, space_source))
        problems.extend(check_sampler_and_pruner(spec, path, space_source))
    if problems:
        raise ConfigError(problems)
    return spec


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


def _merged_problems(err: ValidationError, path: Path, base: Dict[str, Any], base_file: Optional[Path],
                     sections: Dict[str, Any]) -> List[str]:
    """Each problem of the merged config (base + the study's train/data/mano) against the place that
    holds the value: the study file, the base file, or the study's inline `base:` (prefix `base.`)."""
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        if loc:
            in_base = _depth(base, loc) > _depth(sections, loc)  # a tie: the study's sections override
        else:  # a check across fields (TrialConfig's model validators): where the fields it names are set
            named = [tuple(m.split(".")) for m in re.findall(r"\b(?:arch|data|train|loss|mano)\.[a-z_]+", e["msg"])]
            in_base = any(_depth(base, f) == len(f) for f in named) and \
                not any(_depth(sections, f) == len(f) for f in named)
        if in_base:
            source, prefix = (base_file, "") if base_file is not None else (path, "base")
        else:
            source, prefix = path, ""
        line = problem_line(e, source, prefix, TrialConfig)
        # a study's objective.metric is what reaches train.objective: name the field the user wrote
        lines.append(line.replace(f"{path}: train.objective: ", f"{path}: objective.metric: ", 1)
                     if not prefix and source == path else line)
    return lines


def _depth(tree: Any, loc: tuple) -> int:
    """How many leading parts of `loc` exist in `tree`."""
    depth = 0
    for part in loc:
        if isinstance(tree, dict) and part in tree:
            tree = tree[part]
        elif isinstance(tree, list) and isinstance(part, int) and 0 <= part < len(tree):
            tree = tree[part]
        else:
            break
        depth += 1
    return depth


def _fixed_condition_problems(spec: StudySpec, fixed: Optional[TrialConfig], source: Path) -> List[str]:
    """A `when` on a field the study does not search holds for every trial or for none: none is an error
    (the param would never be sampled). Conditions on searched params are checked by parse_space."""
    if fixed is None:
        return []
    values = fixed.to_dict()  # what search/trial.py compares a condition with
    problems = []
    for path, p in spec.search_space.params.items():
        for cond, value in p.when.items():
            if cond in spec.search_space.params:
                continue
            held = get_dotted(values, cond)
            if held != value:
                problems.append(f"{source}: space.{path}.when.{cond}: {value!r} can never match: {cond} is "
                                f"not searched, and the config fixes it at {held!r} (expected {held!r}, or "
                                f"search {cond} before {path})")
    return problems


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
