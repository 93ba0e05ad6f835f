"""`mahm-search describe`: what a network costs before anyone trains it.

Accepts an ArchSpec YAML, a TrialConfig YAML (arch/data/train/loss/mano sections) or a study file
(recognised by its `name`). A study is described as the configurations its trials
can train: every combination of the searched values that change the network or its memory (arch.*,
batch size, micro-batches, checkpointing), up to MAX_CONFIGS; a range with more than
MAX_RANGE_VALUES values is filled in at its top (the largest network and memory), and the table says
so. Prints parameters, FLOPs per sample (torch's FlopCounterMode on a fake forward, and
forward+backward) and the estimated training memory at a batch size.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.utils.flop_counter import FlopCounterMode

from ..config import TrialConfig, get_dotted, load_yaml, set_dotted, trial_config
from ..errors import ConfigError, parse_model
from ..memory import estimate_memory, format_bytes
from ..model.spec import ArchSpec

_TRIAL_SECTIONS = {"arch", "data", "train", "loss", "mano"}


MAX_CONFIGS = 16  # a study with more combinations is described by its first 16 (and says so)
MAX_RANGE_VALUES = 8  # an int range with more values is filled in at its top
# Searched fields that change parameters, FLOPs or memory (the rest, e.g. lr or loss weights, do not).
SHAPING = ("arch.", "train.batch_size", "train.micro_batches", "train.checkpointing", "train.amp")


@dataclass
class Description:
    source: str  # "arch spec" | "trial config" | "study configuration"
    params: int
    forward_flops: int  # per sample
    train_flops: int  # forward + backward, per sample
    memory_bytes: int
    memory_method: str
    batch_size: int
    device: str
    label: str = ""  # the searched values of a study configuration, e.g. "arch.cascade_widths=[256]"


def config_from_path(path: str | Path) -> tuple[TrialConfig, str]:
    """(TrialConfig, what the file was) for an arch spec, a trial config or a study file (its base)."""
    configs, source, _ = configs_from_path(path)
    return configs[0][1], source


def configs_from_path(path: str | Path) -> tuple[list[tuple[str, TrialConfig]], str, list[str]]:
    """([(label, config)], what the file was, notes on what was filled in or left out)."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping (an arch spec, a TrialConfig or a study file), "
                           f"got {type(data).__name__}"])
    if "name" in data:  # only a study has a name (TrialConfig and ArchSpec have none)
        from ..study.study_spec import load_study_spec

        configs, notes = study_configurations(load_study_spec(path))
        return configs, "study configuration", notes
    if set(data) & _TRIAL_SECTIONS:
        return [("", trial_config(data, path))], "trial config", []
    return [("", TrialConfig(arch=parse_model(ArchSpec, data, path, prefix="arch")))], "arch spec", []


def study_configurations(spec) -> tuple[list[tuple[str, TrialConfig]], list[str]]:
    """The distinct network/memory configurations a study's trials can train, with notes."""
    notes: list[str] = []
    choices: dict[str, list] = {}
    for path, p in spec.search_space.params.items():
        if not path.startswith(SHAPING):
            continue
        values = p.corners() if p.int_range is None else list(range(p.int_range[0], p.int_range[1] + 1,
                                                                        int(p.step or 1)))
        if p.float_range is not None or len(values) > MAX_RANGE_VALUES:
            values = [p.corners()[-1]]
            notes.append(f"{path} filled in at its top, {values[0]!r} (a range: the largest network and memory)")
        choices[path] = values
    assignments: list[dict] = [{}]
    # what a trial compares a condition on a field the study does not search with (search/trial.py)
    fixed = functools.partial(get_dotted, TrialConfig.model_validate(spec.base_config).to_dict())
    for path, values in choices.items():
        when = spec.search_space.params[path].when
        grown = []
        for a in assignments:
            active = all((a[k] if k in a else fixed(k)) == v for k, v in when.items())
            grown += [{**a, path: v} for v in values] if active else [a]
        assignments = grown
    if len(assignments) > MAX_CONFIGS:
        notes.append(f"{len(assignments)} configurations; the first {MAX_CONFIGS} are described")
        assignments = assignments[:MAX_CONFIGS]
    if not choices:
        notes.append("the space searches nothing that changes the network or its memory: the base config")
    configs = []
    for a in assignments:
        tree = json.loads(json.dumps(spec.base_config, default=str))
        for dotted, value in a.items():
            set_dotted(tree, dotted, value)
        label = ", ".join(f"{k.removeprefix('arch.')}={v}" for k, v in a.items()) or "base config"
        configs.append((label, trial_config(tree, spec.path)))
    return configs, notes


def params_and_flops(config: TrialConfig) -> tuple[int, int, int]:
    """(parameters, forward FLOPs, forward+backward FLOPs) per sample at the config's input size,
    counted on fake tensors (nothing is computed, so large configs take a second)."""
    from ..model.complexity import count_parameters, flops_per_sample
    from ..memory.trace import build_on_meta

    model = build_on_meta(config)
    size = config.arch.input_size
    with FakeTensorMode(allow_non_fake_inputs=True):
        model.to_empty(device="cpu")
        forward = flops_per_sample(model, size)
        model.train()
        image = torch.empty(2, 3, size, size)  # 2: train-mode BatchNorm needs more than one value
        with FlopCounterMode(display=False) as both:
            _sum_outputs(model(image)).backward()
    return count_parameters(model), forward, both.get_total_flops() // 2


def _sum_outputs(outputs: dict) -> torch.Tensor:
    tensors = [v for stage in outputs["stages"] for v in stage.values() if torch.is_tensor(v) and v.is_floating_point()]
    tensors += [outputs[k] for k in ("heatmaps", "joints_25d", "joint_logits") if outputs.get(k) is not None]
    return sum(t.float().sum() for t in tensors)


def describe(path: str | Path, batch_size: int | None = None,
             device: str | torch.device | None = None) -> tuple[list[Description], list[str]]:
    """One Description per configuration the file names (a study: each it can train), and notes."""
    configs, source, notes = configs_from_path(path)
    if batch_size is not None and batch_size < 1:
        raise ConfigError([f"--batch-size: expected a positive int, got {batch_size}"])
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    out = []
    for label, config in configs:
        if batch_size is not None:
            config = config.model_copy(update={"train": config.train.model_copy(update={"batch_size": batch_size})})
        from ..train.plugins.check import plugin_problems

        problems = plugin_problems(config)  # [] without plug-ins
        if problems:
            raise ConfigError([f"{path}: {line}" for line in problems])
        params, forward, train = params_and_flops(config)
        memory = estimate_memory(config, device)
        out.append(Description(source, params, forward, train, memory.bytes, memory.method,
                               config.train.batch_size, str(device), label))
    return out, notes


def _si(n: float, unit: str) -> str:
    for prefix in ("", "K", "M", "G", "T"):
        if abs(n) < 1000:
            return f"{n:.3g} {prefix}{unit}"
        n /= 1000
    return f"{n:.3g} P{unit}"


def describe_command(path: str | Path, batch_size: int | None = None) -> list[Description]:
    """Print one row per configuration (plain text: it never wraps in a log) and the notes."""
    described, notes = describe(path, batch_size)
    first = described[0]
    rows = [{**({"configuration": d.label} if first.label else {}),
             "parameters": f"{d.params:,} ({_si(d.params, '')})",
             "FLOPs/sample fwd": _si(d.forward_flops, "FLOP"), "FLOPs/sample fwd+bwd": _si(d.train_flops, "FLOP"),
             f"train memory on {d.device}": f"{format_bytes(d.memory_bytes)} at batch {d.batch_size}",
             "memory method": d.memory_method} for d in described]
    plural = "s" if len(described) > 1 else ""
    print(f"{path}: {len(described)} {first.source}{plural}")
    frame = pd.DataFrame(rows)
    frame = frame.apply(lambda col: col.str.ljust(col.str.len().max()))  # left-aligned text columns
    print(frame.to_string(index=False, justify="left"))
    for note in notes:
        print(f"note: {note}")
    return described
