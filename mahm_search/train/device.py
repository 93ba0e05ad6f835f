"""Where a run trains and in which memory format.

channels_last 'auto': on for CUDA (NHWC convolutions use the tensor cores under AMP); off on CPU:
an interleaved A/B of the full training step (resnet18, batch 16, 128 px, torch 2.13, this 2-core
machine) gave 1.9-3.2 s NCHW vs 2.0-2.5 s NHWC, no clear gain (see CPU_CHANNELS_LAST_FASTER).
"""

from __future__ import annotations

import torch

from ..errors import ConfigError
from .spec import TrainSpec

CPU_CHANNELS_LAST_FASTER = False  # measured by benchmarks/bench_train.py --channels-last


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
