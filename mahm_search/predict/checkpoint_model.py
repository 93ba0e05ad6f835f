"""A checkpoint.pt or best.pt -> the network it holds, on the device the trainer would pick.

Read through train/checkpoint.py (weights_only: a file cannot run code). A file that is not a
checkpoint, is corrupt, or whose config or weights this version cannot rebuild is one line naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..config import TrialConfig, trial_config
from ..errors import ConfigError
from ..train.checkpoint import CheckpointError, load_weights
from ..train.device import resolve_device, use_channels_last

WHAT = "checkpoint"  # the name error lines give the file


@dataclass
class TrainedModel:
    model: torch.nn.Module  # eval mode, on `device`
    config: TrialConfig
    step: int
    device: torch.device
    channels_last: bool


def load_trained_model(path: Path) -> TrainedModel:
    path = Path(path)
    state = load_weights(path, WHAT)
    config = _config_of(path, state["config"])
    train = config.train
    if train.device == "cuda" and not torch.cuda.is_available():
        train = train.model_copy(update={"device": "auto"})  # trained on a GPU, predicted here
    device = resolve_device(train)
    from ..model.builder import build_model

    model = build_model(config.arch, config.mano)
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, TypeError, AttributeError) as err:
        detail = str(err).split("\n\t", 2)[1] if "\n\t" in str(err) else str(err)[:200]
        raise CheckpointError(f"{path}: {WHAT}: its weights do not fit the network its config describes "
                              f"({detail.strip()}); written by an incompatible version of mahm-search") from None
    channels_last = use_channels_last(train, device)
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return TrainedModel(model.eval(), config, int(state["step"]), device, channels_last)


def _config_of(path: Path, stored) -> TrialConfig:
    try:
        return trial_config(stored, f"{path}")
    except ConfigError as err:
        first = err.problems[0].removeprefix(f"{path}: ") if err.problems else "invalid"
        more = f" (+{len(err.problems) - 1} more)" if len(err.problems) > 1 else ""
        raise CheckpointError(f"{path}: {WHAT}: its config does not validate in this version of mahm-search "
                              f"({first}{more}); written by an incompatible version") from None
