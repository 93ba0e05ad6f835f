"""Check the study's sampler and pruner at load time, so that bad `args`, a missing package or a
sampler that cannot sample the space fail before any trial starts, naming the field.

Three steps, each only when the one before found nothing:
1. the `args` against the Optuna class's signature: unknown or missing arguments, and values of the
   wrong type where the signature says int/float/bool/str (`pruner.args.n_startup_trials: expected
   an int, got 'x'`); what the sampler needs from the space (grid/bruteforce: a step on every float
   range; grid's own `search_space`: every param of the space);
2. building both, as `run` does (a constructor's ValueError is named by the argument it mentions);
3. a dry run on an in-memory study: a few trials ask, suggest the whole space, report one value and
   ask the pruner, so arguments Optuna only reads then (TPE's n_startup_trials: ten, Hyperband's
   reduction_factor: 1) fail here and not in every trial. TPE arguments read only after its startup
   trials are covered for up to MAX_DRY_TRIALS trials.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import warnings
from typing import Any, Dict, List, Optional

from .pruners import PRUNER_CLASSES, make_pruner
from .samplers import ENUMERATING, SAMPLERS, make_sampler

MAX_DRY_TRIALS = 12  # a TPE with n_startup_trials up to 10 models the space at least once in the dry run

_SIMPLE = {"int": int, "float": float, "bool": bool, "str": str}


def check_sampler_and_pruner(spec, source, space_source=None) -> List[str]:
    space_source = space_source or source
    problems = _sampler_arg_problems(spec, source, space_source) + _pruner_arg_problems(
        spec.pruner.type, dict(spec.pruner.args), f"{source}: pruner.args")
    needs = SAMPLERS[spec.sampler.type].needs
    if needs is not None:
        try:
            importlib.import_module(needs)
        except ModuleNotFoundError:
            problems.append(f"{source}: sampler.type: '{spec.sampler.type}' needs the '{needs}' package "
                            f"(pip install {needs})")
    if problems:
        return problems
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sampler = make_sampler(spec.sampler.type, spec.sampler.seed, dict(spec.sampler.args), spec.search_space)
        except ModuleNotFoundError as err:
            return [f"{source}: sampler.type: '{spec.sampler.type}' needs the '{err.name}' package "
                    f"(pip install {err.name})"]
        except (TypeError, ValueError) as err:
            problems.append(_named(f"{source}: sampler.args", spec.sampler.args, err))
        try:
            pruner = make_pruner(spec.pruner.type, dict(spec.pruner.args))
        except (TypeError, ValueError, AttributeError) as err:
            problems.append(_named(f"{source}: pruner.args", spec.pruner.args, err))
        if not problems:
            problems.extend(_dry_run(spec, sampler, pruner, source))
    return problems


# -- 1. arguments ---------------------------------------------------------------------------------
def _sampler_arg_problems(spec, source, space_source) -> List[str]:
    kind, args = spec.sampler.type, dict(spec.sampler.args)
    field = f"{source}: sampler.args"
    problems = []
    if "seed" in args:
        problems.append(f"{field}.seed: give the seed as sampler.seed (got {args.pop('seed')!r})")
    grid = args.pop("search_space", None) if kind == "grid" else None
    problems += _signature_problems(SAMPLERS[kind].cls, args, field, skip=("seed", "search_space"))
    if kind in ENUMERATING and grid is None:
        for path, p in spec.search_space.params.items():
            if p.float_range is not None and p.step is None:
                problems.append(f"{space_source}: space.{path}: the {kind} sampler tries every value, so a "
                                f"float range needs a 'step' (or use choices)")
    if grid is not None:
        problems += _grid_problems(grid, spec.search_space, field)
    return problems


def _grid_problems(grid: Any, space, field: str) -> List[str]:
    if not isinstance(grid, dict):
        return [f"{field}.search_space: expected a mapping of each searched path to its list of values, "
                f"got {type(grid).__name__}"]
    problems = [f"{field}.search_space: misses '{path}', a param of the space (expected a list of values "
                f"for every param)" for path in space.params if path not in grid]
    for path, values in grid.items():
        if path not in space.params:
            problems.append(f"{field}.search_space.{path}: not a param of the space (expected one of "
                            f"{', '.join(space.params) or 'none: the space is empty'})")
        elif not isinstance(values, list) or not values:
            problems.append(f"{field}.search_space.{path}: expected a non-empty list of values, got {values!r}")
    return problems


def _pruner_arg_problems(kind: str, args: Dict[str, Any], field: str) -> List[str]:
    problems = []
    if kind == "patient" and "wrapped" in args:
        problems += _wrapped_problems(args.pop("wrapped"), field)
    skip = ("wrapped_pruner",) if kind == "patient" else ()
    problems += _signature_problems(PRUNER_CLASSES[kind], args, field, skip=skip)
    if kind == "hyperband":  # read only when a trial reports: a ZeroDivisionError in every trial
        for name, least in (("reduction_factor", 2), ("min_resource", 1), ("max_resource", 1)):
            value = args.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value < least:
                problems.append(f"{field}.{name}: expected an int >= {least}, got {value!r}")
    return problems


def _wrapped_problems(wrapped: Any, field: str) -> List[str]:
    from ..errors import ConfigError, parse_model
    from .sections import PrunerSpec

    source, _, prefix = field.rpartition(": ")
    if not isinstance(wrapped, dict):
        return [f"{field}.wrapped: expected a pruner such as {{type: median, args: {{n_startup_trials: 5}}}}, "
                f"got {wrapped!r}"]
    try:
        inner = parse_model(PrunerSpec, wrapped, source, prefix=f"{prefix}.wrapped")
    except ConfigError as err:
        return err.problems
    if inner.type == "patient":
        return [f"{field}.wrapped.type: a patient pruner wraps another kind of pruner, got 'patient'"]
    return _pruner_arg_problems(inner.type, dict(inner.args), f"{field}.wrapped.args")


def _signature_problems(cls: Optional[type], args: Dict[str, Any], field: str, skip=()) -> List[str]:
    """Unknown, missing and wrongly typed constructor arguments (where the annotation is simple)."""
    if cls is None:
        return []
    params = {name: p for name, p in inspect.signature(cls).parameters.items()
              if name not in skip and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    problems = []
    for name, value in args.items():
        if name not in params:
            close = difflib.get_close_matches(str(name), list(params), n=1)
            known = ", ".join(params) or "none"
            problems.append(f"{field}.{name}: unknown argument of {cls.__name__}"
                            + (f" (did you mean '{close[0]}'?)" if close else f" (it takes: {known})"))
            continue
        expected = _expected_types(params[name].annotation)
        if expected is not None and not _fits(value, expected):
            problems.append(f"{field}.{name}: expected {' or '.join(_names(expected))}, got {value!r}")
    for name, p in params.items():
        if p.default is p.empty and name not in args:
            what = _expected_types(p.annotation)
            problems.append(f"{field}.{name}: required by {cls.__name__}"
                            + (f" (expected {' or '.join(_names(what))})" if what else ""))
    return problems


def _expected_types(annotation: Any) -> Optional[tuple]:
    """(int,), (float, None), ... for a simple annotation; None when it is anything else."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", None)
    if not isinstance(text, str):
        return None
    parts = [part.strip() for part in text.replace("Optional[", "").rstrip("]").split("|")]
    out = []
    for part in parts:
        if part == "None":
            out.append(None)
        elif part in _SIMPLE:
            out.append(_SIMPLE[part])
        else:
            return None
    return tuple(out)


def _fits(value: Any, expected: tuple) -> bool:
    for kind in expected:
        if kind is None and value is None:
            return True
        if kind is bool and isinstance(value, bool):
            return True
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return True
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return True
        if kind is str and isinstance(value, str):
            return True
    return False


def _names(expected: tuple) -> List[str]:
    words = {int: "an int", float: "a number", bool: "true or false", str: "a string", None: "null"}
    return [words[kind] for kind in expected]


def _named(field: str, args: Dict[str, Any], err: BaseException) -> str:
    """A constructor's error, under the argument it names (or the only one given)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return _under_arg(field, args, text if isinstance(err, ValueError) else f"{type(err).__name__}: {text}")


def _under_arg(field: str, args: Dict[str, Any], text: str) -> str:
    lowered = text.lower()
    named = [k for k in args if str(k).lower() in lowered or str(k).replace("_", " ").lower() in lowered]
    if len(named) != 1 and len(args) == 1:
        named = list(args)
    if len(named) == 1:
        return f"{field}.{named[0]}: {text}" + ("" if "got " in text else f" (got {args[named[0]]!r})")
    given = ", ".join(f"{k}={v!r}" for k, v in args.items())
    return f"{field}: {text}" + (f" (args given: {given})" if given else "")


# -- 3. dry run -----------------------------------------------------------------------------------
def _dry_run(spec, sampler, pruner, source) -> List[str]:
    import optuna

    from ..config import TrialConfig, get_dotted

    fixed_config = TrialConfig.model_validate(spec.base_config).to_dict()
    fixed = lambda dotted: get_dotted(fixed_config, dotted)  # noqa: E731 (as search/trial.py)
    n = 2
    if spec.sampler.type == "tpe":
        startup = spec.sampler.args.get("n_startup_trials", 10)
        n = max(2, min(MAX_DRY_TRIALS, startup + 2)) if isinstance(startup, int) else 2
    multi = spec.multi_objective
    stage = ["sampler"]  # who raised: the sampler (ask, suggest, tell) or the pruner (report, prune)

    def objective(trial) -> float:
        stage[0] = "sampler"
        spec.search_space.suggest(trial, fixed)
        stage[0] = "pruner"
        value = float(10 + trial.number)
        if multi:  # Optuna prunes single-objective studies only
            stage[0] = "sampler"
            return tuple(value + i for i in range(len(spec.objectives)))
        for step in (1, 2):
            trial.report(value, step)
            trial.should_prune()
        stage[0] = "sampler"
        return value

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.CRITICAL)  # the failed trial's own log line
    try:
        study = optuna.create_study(sampler=sampler, pruner=pruner,
                                    directions=[o.direction for o in spec.objectives])
        study.optimize(objective, n_trials=n)  # optimize, not ask/tell: a finished grid may stop it
    except Exception as err:  # whatever it raises would fail every trial the same way
        kind = stage[0]
        args = spec.sampler.args if kind == "sampler" else spec.pruner.args
        return [_failed(f"{source}: {kind}.args", args, err)]
    finally:
        optuna.logging.set_verbosity(verbosity)
    return []


def _failed(field: str, args: Dict[str, Any], err: BaseException) -> str:
    text = " ".join(str(err).split())
    field = field if args else field.removesuffix(".args")  # nothing given: the sampler/pruner itself
    return _under_arg(field, args, f"every trial would fail with {type(err).__name__}" + (f": {text}" if text else ""))
