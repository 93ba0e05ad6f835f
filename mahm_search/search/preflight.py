"""Pre-flight: what every trial needs, checked once before `run` creates any trial.

A wrong data root, an empty MANO folder, missing backbone weights, `train.device: cuda` on a host
without CUDA, a corrupt storage or a full disk would otherwise fail every trial in turn (and, counted
as done, use up the study). Weights and device are checked in the base config and in every corner
of the space. Each check writes nothing: the storage is only probed (a read-only SQLite open, a bare
connection to a server), so a failed pre-flight leaves the storage as it was. All problems are
reported together, one line each (exit 2)."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from ..errors import ConfigError, MahmError

MIN_FREE_BYTES = 256 * 2**20  # checkpoints and history of a few trials; a study needs more over time


def preflight(spec, remote_trials: bool = False) -> None:
    """remote_trials: the trials train on other hosts (a Ray cluster at an address), so this host's
    devices say nothing about theirs."""
    problems = _folder_problems(spec) + _mano_problems(spec)
    if not problems:  # the synthetic data needs MANO: its failure would repeat the MANO line
        problems += _data_problems(spec)
    problems += _weights_problems(spec)
    if not problems:  # a plug-in's dry run needs the MANO files (and, for its weights, readable ones)
        problems += _plugin_problems(spec)
    if not remote_trials:
        problems += _device_problems(spec)
    problems += _storage_problems(spec)
    if problems:
        raise ConfigError(problems)


def _trial_configs(spec) -> Iterator[Tuple[Dict[str, Any], Any]]:
    """(assignment, TrialConfig): the base config ({}), then each corner of the space (the configs
    load_study_spec checked), so every value a searched field can take is seen at least once."""
    from ..config import TrialConfig, set_dotted

    yield {}, TrialConfig.model_validate(spec.base_config)
    for assignment in spec.search_space.corner_assignments():
        tree = copy.deepcopy(spec.base_config)
        for dotted, value in assignment.items():
            set_dotted(tree, dotted, value)
        yield assignment, TrialConfig.model_validate(tree)


def _where(spec, assignment: Dict[str, Any], field: str, fields: Tuple[str, ...]) -> str:
    """'STUDY: FIELD' for the base config, 'STUDY: space.FIELD' when the space sets it, or
    'STUDY: space: a=1, b=2: FIELD' when other searched values make the problem."""
    shown = [k for k in assignment if k in fields]
    if shown == [field]:
        return f"{spec.path}: space.{field}"
    values = ", ".join(f"{k}={assignment[k]!r}" for k in shown)
    return f"{spec.path}: space: {values}: {field}" if shown else f"{spec.path}: {field}"


def _weights_problems(spec) -> List[str]:
    """arch.backbone_weights, in the base and in every config of the space: a missing or unreadable
    file, or one that does not fit the backbone, would fail every trial that uses it."""
    from ..model.backbone import backbone_weights_problem
    from ..plugins.kinds import RESNETS

    fields = ("arch.backbone_weights", "arch.backbone", "arch.width_mult")
    problems, seen, said = [], set(), set()
    for assignment, config in _trial_configs(spec):
        arch = config.arch
        key = (arch.backbone, arch.width_mult, arch.backbone_weights)
        if arch.backbone_weights is None or key in seen or arch.backbone not in RESNETS:  # plug-ins: plugin_check
            continue
        seen.add(key)
        problem = backbone_weights_problem(*key)
        if problem is not None and problem not in said:  # a missing file: once, not per width
            said.add(problem)
            problems.append(f"{_where(spec, assignment, 'arch.backbone_weights', fields)}: {problem}")
    return problems


def _plugin_problems(spec) -> List[str]:
    """The plug-ins' contracts in the base and every corner of the space (search/plugin_check.py)."""
    from .plugin_check import plugin_preflight_problems

    return plugin_preflight_problems(spec)


def _device_problems(spec) -> List[str]:
    """train.device, in the base and in the space: 'cuda' on a host without CUDA fails every trial."""
    from ..train.device import resolve_device

    problems, seen = [], set()
    for assignment, config in _trial_configs(spec):
        if config.train.device in seen:
            continue
        seen.add(config.train.device)
        try:
            resolve_device(config.train)
        except ConfigError as err:
            where = _where(spec, assignment, "train.device", ("train.device",))
            problems += [f"{where}: {line.removeprefix('train.device: ')}" for line in err.problems]
    return problems


def _folder_problems(spec) -> List[str]:
    folder = spec.folder
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".mahm-preflight-"):
            pass
    except OSError as err:
        return [f"{spec.path}: the study folder {folder} is not writable ({err.strerror or err}); trials write "
                f"their checkpoints to {spec.runs_dir}: run from a writable copy of the study"]
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        return [f"{spec.path}: only {free // 2**20} MiB free on the disk of {folder}; free at least "
                f"{MIN_FREE_BYTES // 2**20} MiB for the trials' checkpoints"]
    return []


def _config(spec):
    from ..config import TrialConfig

    return TrialConfig.model_validate(spec.base_config)


def _mano_problems(spec) -> List[str]:
    from ..hands.layer import resolve_mano_dir
    from ..hands.model_file import check_mano_npz, mano_file

    from ..data.build import check_real_mano

    config = _config(spec)
    try:
        folder = resolve_mano_dir(config.mano)
        check_real_mano(config.data, config.mano)
    except ConfigError as err:
        return [f"{spec.path}: {line}" for line in err.problems]
    except MahmError as err:
        return [f"{spec.path}: mano: {err}"]
    problems = []
    for right in (True, False):  # both hands, each named
        try:
            check_mano_npz(mano_file(folder, right))
        except MahmError as err:
            problems.append(f"{spec.path}: mano: {err}")
    return problems


def _data_problems(spec) -> List[str]:
    from ..data.build import build_datasets

    config = _config(spec)
    source = config.data.source
    where = f"{source} data" + (f" at {config.data.interhand.root}" if source == "interhand" else "")
    try:
        datasets = build_datasets(config.data, config.mano)
    except Exception as err:  # any failure here would fail every trial the same way
        return [f"{spec.path}: data: cannot open the {where}: {_one_line(err)}"]
    problems = []
    for split, dataset in zip(("train", "val"), datasets):
        try:
            if len(dataset) == 0:
                problems.append(f"{spec.path}: data: the {split} split of the {where} holds no sample "
                                f"(check data.interhand's split, captures and hand_type)")
                continue
            dataset[0]
        except Exception as err:
            problems.append(f"{spec.path}: data: cannot load a {split} sample from the {where}: {_one_line(err)}")
    return problems


def _storage_problems(spec) -> List[str]:
    from .stopping.storage_errors import describe_storage_error, sqlite_file_problem

    url = spec.storage_url
    if url.startswith(("sqlite:///", "journal:")):
        file = Path(url.split(":", 1)[1].removeprefix("///"))
        if url.startswith("sqlite:///"):
            problem = sqlite_file_problem(file)
            if problem is not None:
                return [f"{spec.path}: storage: {file} {problem}"]
        elif file.is_dir():
            return [f"{spec.path}: storage: {file} is a folder; point `storage:` at a file, e.g. journal:NAME.log"]
        target = file if file.exists() else file.parent
        if not target.exists() or not os.access(target, os.W_OK):
            return [f"{spec.path}: storage: {file} cannot be written ({target} is missing or read-only); "
                    f"point `storage:` at a file in a writable folder"]
        return []
    try:  # a server: connect without creating anything
        import sqlalchemy

        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()
    except Exception as err:
        return [describe_storage_error(spec, err)]
    return []


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if isinstance(err, MahmError) else f"{type(err).__name__}: {text}"
