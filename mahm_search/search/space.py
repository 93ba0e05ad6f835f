"""Search spaces: dotted TrialConfig paths -> distributions, with optional `when` conditions.

    arch.cascade_widths: {choices: [[512, 256, 512], [1024, 512, 256, 512, 1024]]}
    train.lr: {float: [1.0e-4, 1.0e-3], log: true}
    arch.attention_heads: {int: [1, 8], step: 1, when: {arch.self_attention: true}}

Optuna's categorical distribution holds only None/bool/int/float/str, so list or mapping choices
are stored as readable strings ("512-256-512") and decoded back before they reach a TrialConfig.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import optuna
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..config import is_config_path, load_yaml
from ..errors import ConfigError, parse_model
from .choices import encode_choice



class ParamSpec(BaseModel):
    """One searched field: exactly one of `choices`, `int` or `float`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    choices: Optional[List[Any]] = None
    int_range: Optional[List[int]] = Field(None, alias="int")
    float_range: Optional[List[float]] = Field(None, alias="float")
    step: Optional[float] = Field(None, gt=0)
    log: bool = False
    when: Dict[str, Any] = Field(default_factory=dict)  # active only if every path has this value

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = [k for k, v in (("choices", self.choices), ("int", self.int_range),
                                ("float", self.float_range)) if v is not None]
        if len(kinds) != 1:
            raise ValueError("expected exactly one of 'choices: [...]', 'int: [lo, hi]' or 'float: [lo, hi]'"
                             + (f" (got {', '.join(kinds)})" if kinds else ""))
        if self.choices is not None and not self.choices:
            raise ValueError("choices: expected a non-empty list")
        bounds = self.int_range if self.int_range is not None else self.float_range
        if bounds is not None:
            if len(bounds) != 2 or bounds[0] > bounds[1]:
                raise ValueError(f"expected [lo, hi] with lo <= hi, got {bounds}")
            if self.log and bounds[0] <= 0:
                raise ValueError(f"log: true needs lo > 0, got {bounds[0]}")
            if self.log and self.step is not None:
                raise ValueError("step and log: true cannot be combined")
        if self.choices is not None and (self.log or self.step is not None):
            raise ValueError("step/log apply to int or float ranges, not to choices")
        return self

    # -- Optuna encoding of choices ------------------------------------------------------------
    def encoded_choices(self) -> List[Any]:
        return [encode_choice(c) for c in self.choices or []]

    def decode(self, value: Any) -> Any:
        if self.choices is None:
            return value
        for raw, enc in zip(self.choices, self.encoded_choices()):
            if enc == value:
                return raw
        raise KeyError(value)

    def corners(self) -> List[Any]:
        """Readable values at the edges of the distribution (all choices, lo and hi of ranges)."""
        if self.choices is not None:
            return list(self.choices)
        bounds = self.int_range if self.int_range is not None else self.float_range
        return [bounds[0], bounds[1]]


class SearchSpace(BaseModel):
    """Ordered params; a `when` may refer to an earlier param or to a fixed config field."""

    params: Dict[str, ParamSpec] = Field(default_factory=dict)

    def suggest(self, trial: optuna.Trial, fixed: Callable[[str], Any]) -> Dict[str, Any]:
        """Sample every active param; returns readable (decoded) values by dotted path."""
        chosen: Dict[str, Any] = {}
        for path, p in self.params.items():
            if not self._active(p, chosen, fixed):
                continue
            if p.choices is not None:
                chosen[path] = p.decode(trial.suggest_categorical(path, p.encoded_choices()))
            elif p.int_range is not None:
                chosen[path] = trial.suggest_int(path, p.int_range[0], p.int_range[1],
                                                 step=int(p.step or 1), log=p.log)
            else:
                chosen[path] = trial.suggest_float(path, p.float_range[0], p.float_range[1],
                                                   step=p.step, log=p.log)
        return chosen

    def _active(self, p: ParamSpec, chosen: Dict[str, Any], fixed: Callable[[str], Any]) -> bool:
        return all((chosen[k] if k in chosen else fixed(k)) == v for k, v in p.when.items())

    def corner_assignments(self) -> Iterator[Dict[str, Any]]:
        """Readable assignments that exercise each edge value of each param (with its conditions),
        plus all params at their first and at their last edge together."""
        for path, p in self.params.items():
            for value in p.corners():
                yield {**p.when, path: value}
        if self.params:
            for pick in (0, -1):
                combo: Dict[str, Any] = {}
                for path, p in self.params.items():
                    combo.update(p.when)
                    combo[path] = p.corners()[pick]
                yield combo

    def grid(self) -> Dict[str, List[Any]]:
        """Optuna GridSampler's search_space; float ranges need an explicit step."""
        out: Dict[str, List[Any]] = {}
        for path, p in self.params.items():
            if p.choices is not None:
                out[path] = p.encoded_choices()
            elif p.int_range is not None:
                out[path] = list(range(p.int_range[0], p.int_range[1] + 1, int(p.step or 1)))
            elif p.step is not None:
                lo, hi = p.float_range
                n = int(round((hi - lo) / p.step))
                out[path] = [lo + i * p.step for i in range(n + 1)]
            else:
                raise ValueError(f"space.{path}: the grid sampler needs 'step' on float ranges")
        return out

    def assignments(self, fixed: Callable[[str], Any], limit: int = 10_000) -> Optional[List[Dict[str, Any]]]:
        """Every assignment the space can sample, as Optuna stores it (encoded values, only the params
        whose `when` holds); None when there are infinitely many (a float range without a step) or
        more than `limit`. Lets a study tell when its sampler has nothing new left to propose."""
        try:
            grid = self.grid()
        except ValueError:
            return None
        out: List[Dict[str, Any]] = []

        def walk(i: int, encoded: Dict[str, Any], readable: Dict[str, Any]) -> bool:
            if i == len(self.params):
                out.append(dict(encoded))
                return len(out) <= limit
            path, p = list(self.params.items())[i]
            if not self._active(p, readable, fixed):
                return walk(i + 1, encoded, readable)
            for value in grid[path]:
                ok = walk(i + 1, {**encoded, path: value}, {**readable, path: p.decode(value)})
                if not ok:
                    return False
            return True

        return out if walk(0, {}, {}) else None

    def readable(self, params: Dict[str, Any]) -> Dict[str, Any]:
        """Optuna's stored params (encoded) -> readable values."""
        return {k: self.params[k].decode(v) if k in self.params else v for k, v in params.items()}


def parse_space(data: Any, source: str | Path) -> SearchSpace:
    """Validate a mapping of dotted paths to ParamSpecs; every problem becomes one line."""
    if data is None:
        return SearchSpace()
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: space: expected a mapping of dotted config paths to "
                           f"distributions, got {type(data).__name__}"])
    problems: List[str] = []
    params: Dict[str, ParamSpec] = {}
    for path, raw in data.items():
        path = str(path)
        if not is_config_path(path):
            problems.append(f"{source}: space.{path}: not a TrialConfig field (expected a dotted path "
                            f"such as arch.cascade_widths or train.lr)")
            continue
        try:
            spec = parse_model(ParamSpec, raw, source, prefix=f"space.{path}")
        except ConfigError as err:
            problems.extend(err.problems)
            continue
        for cond in spec.when:
            if not is_config_path(cond):
                problems.append(f"{source}: space.{path}.when.{cond}: not a TrialConfig field")
            elif cond in data and list(data).index(cond) > list(data).index(path):
                problems.append(f"{source}: space.{path}.when.{cond}: list '{cond}' before '{path}' "
                                f"(a condition may only use an earlier param)")
        params[path] = spec
    if problems:
        raise ConfigError(problems)
    return SearchSpace(params=params)


def resolve_space_file(value: str, study_file: Path) -> Path:
    """A space given as a path: relative to the study file, else to the repository/CWD."""
    for candidate in (study_file.parent / value, Path.cwd() / value,
                      study_file.parent.parent / value, Path(value)):
        if candidate.is_file():
            return candidate
    raise ConfigError([f"{study_file}: space: file '{value}' does not exist (looked next to the "
                       f"study file and in the current folder)"])


def load_space(value: Any, study_file: Path) -> tuple[SearchSpace, Path]:
    """The `space` field: inline mapping, or a path to search_spaces/*.yaml. Returns the source too."""
    if isinstance(value, str):
        path = resolve_space_file(value, study_file)
        return parse_space(load_yaml(path), path), path
    return parse_space(value, study_file), study_file
