"""Pre-flight of plug-ins: every configuration of the space that names a plug-in (the base and each
corner) keeps the plug-ins' contracts (train/plugins/check.py), before any trial starts."""

from __future__ import annotations

import json
from typing import List


def plugin_preflight_problems(spec) -> List[str]:
    from ..train.plugins.check import plugin_problems, uses_plugins
    from .preflight import _trial_configs

    problems, seen = [], set()
    for assignment, config in _trial_configs(spec):
        if not uses_plugins(config):
            continue
        terms = [n for n in config.loss.weights.plugin_terms() if config.loss.weights.model_extra[n] > 0]
        key = json.dumps([config.arch.model_dump(mode="json"), terms,  # a weight's value changes no contract
                          config.train.plugin_metrics(), config.mano.model_dump(mode="json")], sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        where = ", ".join(f"{k}={v!r}" for k, v in assignment.items())
        for line in plugin_problems(config):
            line = f"{spec.path}: " + (f"space: {where}: " if where else "") + line
            if line not in problems:
                problems.append(line)
    return problems
