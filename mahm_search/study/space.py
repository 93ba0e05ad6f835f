"""Search spaces: dotted TrialConfig paths -> distributions, with optional `when` conditions.

    arch.cascade_widths: {choices: [[512, 256, 512], [1024, 512, 256, 512, 1024]]}
    train.lr: {float: [1.0e-4, 1.0e-3], log: true}
    arch.attention_heads: {int: [1, 8], step: 1, when: {arch.self_attention: true}}

Optuna's categorical distribution holds only None/bool/int/float/str, so list or mapping choices
are stored as readable strings ("512-256-512") and decoded back before they reach a TrialConfig.
"""

from __future__ import annotations

import math
from decimal import Decimal
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
            if not all(math.isfinite(b) for b in bounds):
                raise ValueError(f"expected finite bounds, got {bounds}")
            if self.int_range is not None and self.step is not None and self.step != int(self.step):
                raise ValueError(f"step: an int range needs a whole-number step, got {self.step}")
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

    def never_takes(self, value: Any) -> Optional[str]:
        """None when a trial can sample `value` (compared with == as SearchSpace._active does), else
        the values it can take."""
        if self.choices is not None:
            if any(choice == value for choice in self.choices):
                return None
            return "one of its choices: " + ", ".join(map(repr, self.choices))
        lo, hi = self.int_range if self.int_range is not None else self.float_range
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if self.int_range is not None:
            step = int(self.step or 1)
            if number and value == int(value) and lo <= value <= hi and (int(value) - lo) % step == 0:
                return None
            return f"whole numbers from {lo} to {hi}" + (f" in steps of {step}" if step > 1 else "")
        if self.step is None:
            return f"any real number from {lo} to {hi}, never one exact value (use choices, or a step)"
        if number and lo <= value <= hi and abs((value - lo) / self.step - round((value - lo) / self.step)) < 1e-6:
            return None
        return f"numbers from {lo} to {hi} in steps of {self.step}"

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
                lo, hi = p.int_range
                step = int(p.step or 1)
                chosen[path] = trial.suggest_int(path, lo, lo + _steps_in(lo, hi, step) * step, step=step, log=p.log)
            elif p.step is not None:  # the last value on the step's grid: Optuna's own bound, without its warning
                lo, hi = p.float_range
                top = float(Decimal(str(lo)) + _steps_in(lo, hi, p.step) * Decimal(str(p.step)))
                chosen[path] = trial.suggest_float(path, lo, top, step=p.step)
            else:
                chosen[path] = trial.suggest_float(path, p.float_range[0], p.float_range[1], log=p.log)
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
                n = _steps_in(lo, hi, p.step)  # the last value never passes hi
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


def _steps_in(lo: float, hi: float, step: float) -> int:
    """Whole steps from lo that stay within hi, in decimal arithmetic as Optuna counts them (0.1 steps
    from 0.1 to 0.4 are 3, not 2.9999999999999996)."""
    return int((Decimal(str(hi)) - Decimal(str(lo))) // Decimal(str(step)))


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
            elif cond in params:
                never = params[cond].never_takes(spec.when[cond])
                if never is not None:
                    problems.append(f"{source}: space.{path}.when.{cond}: {spec.when[cond]!r} can never "
                                    f"match ({cond} takes {never})")
        params[path] = spec
    if problems:
        raise ConfigError(problems)
    return SearchSpace(params=params)


def resolve_space_file(value: str, study_file: Path) -> Path:
    """A space given as a path: relative to the study file, else to the repository/CWD."""
    candidates = (study_file.parent / value, Path.cwd() / value, study_file.parent.parent / value, Path(value))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if any(candidate.is_dir() for candidate in candidates):
        raise ConfigError([f"{study_file}: space: '{value}' is a folder (expected a YAML file of dotted "
                           f"config paths and their distributions)"])
    raise ConfigError([f"{study_file}: space: file '{value}' does not exist (looked next to the "
                       f"study file and in the current folder)"])


def load_space(value: Any, study_file: Path) -> tuple[SearchSpace, Path]:
    """The `space` field: inline mapping, or a path to search_spaces/*.yaml. Returns the source too."""
    if isinstance(value, str):
        path = resolve_space_file(value, study_file)
        return parse_space(load_yaml(path), path), path
    return parse_space(value, study_file), study_file
