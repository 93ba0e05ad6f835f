"""Where a run trains and in which memory format.

channels_last 'auto': on for CUDA (NHWC convolutions use the tensor cores under AMP) and on CPU, where
with fused AdamW it makes the trainer's step about 10% faster (an interleaved A/B in
benchmarks/README.md).
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
