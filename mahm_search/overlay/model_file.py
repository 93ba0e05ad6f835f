"""A trained network back from any checkpoint.pt or best.pt: the config inside it builds the model, the
weights load into it. Each way a file can be wrong is one CheckpointError naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Tuple

import torch

from ..errors import ConfigError
from ..train.checkpoint import WEIGHTS_KEYS, CheckpointError

EXPECTED = "expected a mahm-search checkpoint.pt or best.pt (config, step and model weights)"


def load_trained_model(path: Path, device: torch.device | str = "cpu") -> Tuple[torch.nn.Module, object]:
    """(MAHMNet in eval mode on `device`, its TrialConfig)."""
    from ..config import trial_config
    from ..model.builder import build_model

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file does not exist ({EXPECTED})")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt, truncated, or a pickle of code: refused, never executed
        first = (str(err).splitlines() or [""])[0][:160]
        raise CheckpointError(f"{path}: cannot read it as a checkpoint ({type(err).__name__}: {first}); "
                              f"{EXPECTED}") from None
    if not isinstance(state, dict) or not WEIGHTS_KEYS <= set(state) or not isinstance(state["config"], dict):
        raise CheckpointError(f"{path}: not a mahm-search checkpoint; {EXPECTED}")
    try:
        config = trial_config(state["config"], source=path)
    except ConfigError as err:  # written by another version of this package, whose fields differ
        raise CheckpointError(f"{path}: its config does not validate with this version of mahm-search "
                              f"({err.problems[0]})") from None
    model = build_model(config.arch, config.mano)
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, TypeError, AttributeError) as err:
        first = (str(err).splitlines() or [""])[0][:160]
        raise CheckpointError(f"{path}: its weights do not fit the architecture its config names ({first})") from None
    return model.to(device).eval(), config
