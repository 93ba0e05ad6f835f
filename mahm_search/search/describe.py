"""`mahm-search describe`: what a network costs before anyone trains it.

Accepts an ArchSpec YAML, a TrialConfig YAML (arch/data/train/loss/mano sections) or a study file
(recognised by `name` plus `space` or `base`; its base config is described). Prints parameters,
FLOPs per sample (torch's FlopCounterMode on a fake forward, and forward+backward) and the estimated
training memory at a batch size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.utils.flop_counter import FlopCounterMode

from ..config import TrialConfig, load_yaml, trial_config
from ..errors import ConfigError, parse_model
from ..model.spec import ArchSpec

_TRIAL_SECTIONS = {"arch", "data", "train", "loss", "mano"}


@dataclass
class Description:
    source: str  # "arch spec" | "trial config" | "study base config"
    params: int
    forward_flops: int  # per sample
    train_flops: int  # forward + backward, per sample
    memory_bytes: int
    memory_method: str
    batch_size: int
    device: str


def config_from_path(path: str | Path) -> tuple[TrialConfig, str]:
    """(TrialConfig, what the file was) for an arch spec, a trial config or a study file."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping (an arch spec, a TrialConfig or a study file), "
                           f"got {type(data).__name__}"])
    if "name" in data and ("space" in data or "base" in data):
        from .study_spec import load_study_spec

        return trial_config(load_study_spec(path).base_config, path), "study base config"
    if set(data) & _TRIAL_SECTIONS:
        return trial_config(data, path), "trial config"
    return TrialConfig(arch=parse_model(ArchSpec, data, path, prefix="arch")), "arch spec"


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
    if outputs.get("heatmaps") is not None:
        tensors.append(outputs["heatmaps"])
    return sum(t.float().sum() for t in tensors)


def describe(path: str | Path, batch_size: int | None = None, device: str | torch.device | None = None) -> Description:
    from ..memory import estimate_memory

    config, source = config_from_path(path)
    if batch_size is not None:
        if batch_size < 1:
            raise ConfigError([f"--batch-size: expected a positive int, got {batch_size}"])
        config = config.model_copy(update={"train": config.train.model_copy(update={"batch_size": batch_size})})
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    params, forward, train = params_and_flops(config)
    memory = estimate_memory(config, device)
    return Description(source, params, forward, train, memory.bytes, memory.method,
                       config.train.batch_size, str(device))


def _si(n: float, unit: str) -> str:
    for prefix in ("", "K", "M", "G", "T"):
        if abs(n) < 1000:
            return f"{n:.3g} {prefix}{unit}"
        n /= 1000
    return f"{n:.3g} P{unit}"


def describe_command(path: str | Path, batch_size: int | None = None) -> Description:
    from ..memory import format_bytes

    d = describe(path, batch_size)
    table = Table(title=f"{path} ({d.source})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_row("parameters", f"{d.params:,} ({_si(d.params, '')})")
    table.add_row("FLOPs / sample, forward", _si(d.forward_flops, "FLOP"))
    table.add_row("FLOPs / sample, forward+backward", _si(d.train_flops, "FLOP"))
    table.add_row(f"training memory, batch {d.batch_size} on {d.device}", format_bytes(d.memory_bytes))
    table.add_row("memory method", d.memory_method)
    Console().print(table)
    return d
