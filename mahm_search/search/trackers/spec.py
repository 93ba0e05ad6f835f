"""The study file's `trackers:` list: [tensorboard, mlflow, wandb], each a name or {name: {args}}.

Checked when the study file is read: an unknown tracker, args that are not a mapping, or a tracker
whose package is not installed is one line naming the extra to install, before any trial starts.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Dict, List, NamedTuple


class TrackerInfo(NamedTuple):
    module: str  # the package it needs
    extra: str  # setup.cfg's extra that installs it
    args: tuple  # the args a study file may give


TRACKERS: Dict[str, TrackerInfo] = {
    "tensorboard": TrackerInfo("tensorboard", "tensorboard", ("log_dir",)),
    "mlflow": TrackerInfo("mlflow", "mlflow", ("tracking_uri", "experiment_name")),
    "wandb": TrackerInfo("wandb", "wandb", ("project", "entity", "mode", "dir", "group", "tags")),
}


def normalize_trackers(value: Any) -> List[Dict[str, Any]]:
    """`[tensorboard, {mlflow: {tracking_uri: ...}}]` -> [{"name": ..., "args": {...}}]; ValueError
    saying what was expected."""
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            name, args = item, {}
        elif isinstance(item, dict) and len(item) == 1:
            name, args = next(iter(item.items()))
            args = {} if args is None else args
        else:
            raise ValueError(f"[{i}]: expected a tracker name or {{name: {{args}}}}, got {item!r}")
        if name not in TRACKERS:
            raise ValueError(f"[{i}]: expected one of {', '.join(TRACKERS)}, got {name!r}")
        if not isinstance(args, dict):
            raise ValueError(f"[{i}].{name}: expected a mapping of args, got {args!r}")
        unknown = sorted(set(args) - set(TRACKERS[name].args))
        if unknown:
            raise ValueError(f"[{i}].{name}.{unknown[0]}: unknown argument (it takes: {', '.join(TRACKERS[name].args)})")
        if any(t["name"] == name for t in out):
            raise ValueError(f"[{i}]: {name} is named twice")
        out.append({"name": name, "args": dict(args)})
    return out


def missing_extras(trackers: List[Dict[str, Any]], source) -> List[str]:
    """One line per named tracker whose package is not installed."""
    problems = []
    for i, t in enumerate(trackers):
        info = TRACKERS[t["name"]]
        if importlib.util.find_spec(info.module) is None:
            problems.append(f"{source}: trackers[{i}]: '{t['name']}' needs the {info.module} package, which is not "
                            f"installed: pip install -e '.[{info.extra}]'")
    return problems
