"""Run checkpoints: everything needed to continue a run exactly (model, optimizer, scheduler, scaler,
step, RNG states, balanced loss weights, history). Written atomically (tmp file + os.replace), so a
kill mid-write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from ..errors import MahmError

CHECKPOINT_NAME = "checkpoint.pt"


class CheckpointError(MahmError):
    """A checkpoint that cannot be read or does not belong to this configuration."""


def rng_states() -> dict:
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }


def set_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    if states.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    np.random.set_state(states["numpy"])
    random.setstate(states["python"])


def save_checkpoint(path: Path, state: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, map_location: torch.device | str = "cpu") -> dict:
    # weights_only=False: our own file holds numpy/python RNG states, which the safe loader rejects.
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except Exception as err:  # corrupt or foreign file: say which and why, no deep traceback
        raise CheckpointError(f"{path}: cannot read checkpoint ({type(err).__name__}: {err}); "
                              "delete it to start the run afresh") from None
