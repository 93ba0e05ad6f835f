"""Build the study's sampler and pruner once at load time, so bad `args` or a missing package fail
before any trial starts, naming the field."""

from __future__ import annotations

import importlib
import warnings

from .pruners import make_pruner
from .samplers import SAMPLERS, make_sampler


def check_sampler_and_pruner(spec, source) -> list[str]:
    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            make_sampler(spec.sampler.type, spec.sampler.seed, dict(spec.sampler.args), spec.search_space)
        except ModuleNotFoundError as err:
            problems.append(f"{source}: sampler.type: '{spec.sampler.type}' needs the '{err.name}' "
                            f"package (pip install {err.name})")
        except (TypeError, ValueError) as err:
            problems.append(f"{source}: sampler.args: {err}")
        try:
            make_pruner(spec.pruner.type, dict(spec.pruner.args))
        except (TypeError, ValueError, AttributeError) as err:
            problems.append(f"{source}: pruner.args: {err}")
    needs = SAMPLERS[spec.sampler.type].needs
    if needs is not None:
        try:
            importlib.import_module(needs)
        except ModuleNotFoundError:
            problems.append(f"{source}: sampler.type: '{spec.sampler.type}' needs the '{needs}' package "
                            f"(pip install {needs})")
    return problems
