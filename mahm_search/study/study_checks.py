"""The study file's deeper checks, apart from its model (study_spec.py): where a problem of the merged
config is written (the study file, its base file or its inline base), `when` conditions that can never
hold, and every corner of the search space giving a valid config."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

from pydantic import ValidationError

from ..config import TrialConfig, get_dotted, set_dotted
from ..errors import ConfigError, parse_model, problem_line


def merged_problems(err: ValidationError, path: Path, base: Dict[str, Any], base_file: Optional[Path],
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


def fixed_condition_problems(spec, fixed: Optional[TrialConfig], source: Path) -> List[str]:
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


def check_corners(spec, source: Path) -> List[str]:
    """Every edge value of every distribution (and all-low / all-high) must give a valid config."""
    problems: List[str] = []
    seen = set()
    for assignment in spec.search_space.corner_assignments():
        tree = copy.deepcopy(spec.base_config)
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
