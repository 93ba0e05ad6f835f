"""A study's objectives: one metric the evaluation reports (the score), optionally followed by costs,
for a multi-objective (Pareto) search such as score against peak memory.

    objective: [{metric: score, direction: minimize}, {metric: memory_peak, direction: minimize}]

The costs are figures every trial records (study/record.py), in readable units: the first
objective is the trainer's metric, the rest come from the trial's record when it completes.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Dict, NamedTuple, Optional, Sequence


class Cost(NamedTuple):
    unit: str
    what: str
    of: Callable[[Any], Optional[float]]  # the figure from a TrialRecord (None when not recorded)


def _per(value, scale: float) -> Optional[float]:
    return None if value is None else float(value) / scale


def _time_per_step(record) -> Optional[float]:
    if record.wall_time_s is None or not record.steps_done:
        return None
    return float(record.wall_time_s) / int(record.steps_done)


def _flops(record) -> Optional[float]:
    if record.config is None:
        return None
    arch = record.config.get("arch", {})
    return flops_of(json.dumps(arch, sort_keys=True), json.dumps(record.config.get("mano", {}), sort_keys=True)) / 1e9


COSTS: Dict[str, Cost] = {
    "memory_peak": Cost("MiB", "measured tensor peak of training", lambda r: _per(r.memory_peak_bytes, 2**20)),
    "memory_estimate": Cost("MiB", "the memory gate's estimate (after any rescue)",
                            lambda r: _per(r.memory_estimate_bytes, 2**20)),
    "flops": Cost("GFLOP", "one forward pass of one image", _flops),
    "params": Cost("M", "trainable parameters", lambda r: _per(r.params_count, 1e6)),
    "time_per_step": Cost("s", "wall seconds per optimizer step, evaluations included", _time_per_step),
}


def cost_problem(name: object) -> Optional[str]:
    if isinstance(name, str) and name in COSTS:
        return None
    return f"expected one of {', '.join(COSTS)} after the first objective, got {name!r}"


def label(metric: str) -> str:
    """'memory_peak (MiB)', 'score (mm)'."""
    return f"{metric} ({COSTS[metric].unit})" if metric in COSTS else f"{metric} (mm)"


def trial_values(objectives: Sequence, score: float, record) -> tuple:
    """The values a completed trial tells Optuna: its score, then each cost from its record."""
    values = [float(score)]
    for objective in objectives[1:]:
        value = COSTS[objective.metric].of(record)
        if value is None:
            raise RuntimeError(f"the trial did not record what objective '{objective.metric}' needs")
        values.append(value)
    return tuple(values)


@functools.lru_cache(maxsize=64)
def flops_of(arch_json: str, mano_json: str) -> int:
    """FLOPs per sample of an architecture (model/complexity.py), once per architecture per process."""
    from ..hands.spec import ManoSpec
    from ..model import ArchSpec, build_model, flops_per_sample

    arch = ArchSpec.model_validate(json.loads(arch_json))
    arch = arch.model_copy(update={"backbone_weights": None}) if "backbone_weights" in ArchSpec.model_fields else arch
    model = build_model(arch, ManoSpec.model_validate(json.loads(mano_json)))
    return int(flops_per_sample(model, arch.input_size))


def check_objective_list(spec) -> list:
    """Every objective of a StudySpec, the trainer's metric first; ValueError naming the field when
    the list is wrong. A multi-objective study gets NSGA-II and no pruner unless the file names them
    (a named pruner is refused: Optuna cannot prune such a study)."""
    from ..metrics.metric_names import objective_problem
    from .samplers import MULTI_OBJECTIVE_SAMPLERS

    listed = [spec.objective, *spec.objective_costs]
    if objective_problem(listed[0].metric) is not None:
        raise ValueError(f"objective: the first objective must be a metric the evaluation reports, such "
                         f"as score (got {listed[0].metric!r}; costs such as it come after it)")
    for i, extra in enumerate(listed[1:], start=1):
        problem = cost_problem(extra.metric)
        if problem is not None:
            raise ValueError(f"objective[{i}].metric: {problem}")
    names = [o.metric for o in listed]
    if len(set(names)) != len(names):
        raise ValueError(f"objective: each metric once, got {names}")
    if len(listed) > 1:
        given = spec.model_fields_set
        if spec.backend == "ray":
            raise ValueError("objective: a multi-objective (Pareto) search runs on backend optuna only")
        if "pruner" in given and spec.pruner.type != "none":
            raise ValueError(f"pruner: Optuna cannot prune a multi-objective study (Trial.report and "
                             f"should_prune do not support it); expected pruner {{type: none}} or no "
                             f"pruner (got {spec.pruner.type!r})")
        if spec.sampler.type not in MULTI_OBJECTIVE_SAMPLERS:
            raise ValueError(f"sampler.type: {spec.sampler.type!r} is single-objective; a multi-objective "
                             f"study takes one of {', '.join(MULTI_OBJECTIVE_SAMPLERS)}")
        if "sampler" not in given:
            spec.sampler = type(spec.sampler)(type="nsgaii")
        if "pruner" not in given:
            spec.pruner = type(spec.pruner)(type="none")
    return listed
