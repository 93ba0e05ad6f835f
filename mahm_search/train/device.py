"""Where a run trains and in which memory format.

channels_last 'auto': on for CUDA (NHWC convolutions use the tensor cores under AMP) and on CPU: an
interleaved A/B of the trainer's step (resnet18, batch 16, 128 px, torch 2.13, fused AdamW, 2 threads,
the 2-core dev machine) took 542 vs 599 ms for the backbone-only step and 722 vs 804 ms for the seed's
best MAHM (median of 15). With the old foreach AdamW there was no clear gain.
"""

from __future__ import annotations

import torch

from ..errors import ConfigError
from .spec import TrainSpec

CPU_CHANNELS_LAST_FASTER = True  # re-measure with benchmarks/bench_step_ratio.py --channels-last on|off


def resolve_device(spec: TrainSpec) -> torch.device:
    if spec.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError(["train.device: 'cuda' was asked for but no CUDA device is available; "
                           "use 'auto' or 'cpu'"])
    if spec.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(spec.device)


def use_channels_last(spec: TrainSpec, device: torch.device) -> bool:
    if spec.channels_last == "auto":
        return device.type == "cuda" or CPU_CHANNELS_LAST_FASTER
    return spec.channels_last == "on"
