"""Run checkpoints: everything needed to continue a run exactly (model, optimizer, scheduler, scaler,
step, RNG states, balanced loss weights, history). Written atomically (see atomic_write), so a kill
or a full disk mid-write leaves the previous checkpoint intact.

Read with torch.load(weights_only=True): a checkpoint.pt dropped into a run folder must not be able
to run code when the run resumes. So the file holds only tensors and plain Python data; the numpy
and python RNG states are stored as int64 tensors and turned back into their tuples on load.
"""

from __future__ import annotations

import pickle
import random
import re
from pathlib import Path

import numpy as np
import torch

from ..errors import MahmError
from ..files import atomic_write

CHECKPOINT_NAME = "checkpoint.pt"
BEST_NAME = "best.pt"  # the weights of the evaluation with the lowest objective: config, step, model, metrics
WEIGHTS_KEYS = {"config", "step", "model"}
KEYS = {"config", "step", "model", "optimizer", "scheduler", "scaler", "loss_weights", "history",
        "loss_window", "rng", "wall_time_s"}


class CheckpointError(MahmError):
    """A checkpoint that cannot be read or does not belong to this configuration."""


def rng_states() -> dict:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
        # int64 holds every uint32 key exactly, and plain int64 tensors load on any torch version.
        "numpy": {"name": name, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached_gaussian": float(cached)},
        "python": {"version": version, "internal": torch.tensor(internal, dtype=torch.int64),
                   "gauss_next": gauss_next},
    }


def set_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    if states.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    n = states["numpy"]
    np.random.set_state((n["name"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    p = states["python"]
    random.setstate((p["version"], tuple(p["internal"].tolist()), p["gauss_next"]))


def save_checkpoint(path: Path, state: dict) -> None:
    atomic_write(path, lambda f: torch.save(state, f))


def load_checkpoint(path: Path, map_location: torch.device | str = "cpu") -> dict:
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:  # the safe unpickler met something it will not build, and stopped
        found = re.search(r"GLOBAL ([\w.]+)", str(err))  # torch's wording varies; the global's name does not
        detail = f"it asks for {found.group(1)}" if found else "unknown pickle content"
        raise CheckpointError(
            f"{path}: refused to load: not a checkpoint of tensors and plain data ({detail}); it was not "
            "executed. Delete it to start the run afresh (if you did not put it there, find out who did)") from None
    except Exception as err:  # corrupt or truncated file: say which and why, no deep traceback
        raise CheckpointError(f"{path}: cannot read checkpoint ({type(err).__name__}: {err}); "
                              "delete it to start the run afresh") from None
    if not isinstance(state, dict) or not KEYS <= set(state):
        raise CheckpointError(f"{path}: not a mahm-search run checkpoint (missing "
                              f"{sorted(KEYS - set(state)) if isinstance(state, dict) else 'everything'}); "
                              "delete it to start the run afresh")
    return state


def save_best(path: Path, config: dict, step: int, model_state: dict, metrics: dict) -> None:
    """The best evaluation's weights only (no optimizer state): a few MB to keep per trial."""
    save_checkpoint(path, {"config": config, "step": step, "model": model_state, "metrics": dict(metrics)})


def load_weights(path: Path, what: str = "train.init_from") -> dict:
    """A run checkpoint's or a best.pt's config, step and model weights (for train.init_from, predict);
    `what` names the option that gave the file in every error line."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: {what}: file does not exist") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path}: {what}: is a folder; expected a {CHECKPOINT_NAME} or {BEST_NAME}") from None
    except Exception as err:  # refused pickle, corrupt or truncated file: never executed
        raise CheckpointError(f"{path}: {what}: cannot read it as a checkpoint of tensors and plain "
                              f"data ({type(err).__name__}: {str(err).splitlines()[0][:200]})") from None
    if not isinstance(state, dict) or not WEIGHTS_KEYS <= set(state):
        raise CheckpointError(f"{path}: {what}: expected a mahm-search {CHECKPOINT_NAME} or {BEST_NAME} "
                              "(with config, step and model)")
    return state
