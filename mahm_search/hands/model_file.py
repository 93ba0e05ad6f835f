"""Load one MANO-format .npz into a real `smplx.MANO`, with a clear error for a bad file."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import numpy as np
import smplx

from ..errors import ManoModelError

NUM_VERTICES = 778
NUM_MANO_JOINTS = 16

# key -> expected shape (None: any length on that axis)
REQUIRED_KEYS = {
    "v_template": (NUM_VERTICES, 3),
    "shapedirs": (NUM_VERTICES, 3, None),
    "posedirs": (NUM_VERTICES, 3, 135),
    "J_regressor": (NUM_MANO_JOINTS, NUM_VERTICES),
    "weights": (NUM_VERTICES, NUM_MANO_JOINTS),
    "kintree_table": (2, NUM_MANO_JOINTS),
    "f": (None, 3),
    "hands_components": (45, 45),
    "hands_mean": (45,),
}


def mano_file(folder: Path, is_rhand: bool) -> Path:
    return Path(folder) / ("MANO_RIGHT.npz" if is_rhand else "MANO_LEFT.npz")


def check_mano_npz(path: Path) -> None:
    """Raise ManoModelError naming `path` and the key unless it is a usable MANO .npz."""
    if not path.is_file():
        raise ManoModelError(f"{path}: MANO model file does not exist (run `mahm-search mano convert`)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ManoModelError(f"{path}: not a readable .npz file ({err})") from None
    for key, shape in REQUIRED_KEYS.items():
        if key not in arrays:
            raise ManoModelError(f"{path}: missing key '{key}' (expected shape {_fmt(shape)})")
        got = arrays[key].shape
        if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
            raise ManoModelError(f"{path}: key '{key}' has shape {got}, expected {_fmt(shape)}")
    if arrays["shapedirs"].shape[2] < 10:
        raise ManoModelError(f"{path}: key 'shapedirs' has {arrays['shapedirs'].shape[2]} shape components, expected >= 10")


def load_mano_layer(folder: Path, is_rhand: bool, flat_hand_mean: bool) -> smplx.MANO:
    """A parameter-free smplx.MANO for one hand (full 45-dim axis-angle; PCA done by the caller)."""
    path = mano_file(folder, is_rhand)
    check_mano_npz(path)
    # smplx prints a warning about having only 10 shape coefficients (normal for MANO): keep it quiet.
    with contextlib.redirect_stdout(io.StringIO()):
        return smplx.MANO(
            model_path=str(path),
            is_rhand=is_rhand,
            ext="npz",
            use_pca=False,
            num_pca_comps=45,
            flat_hand_mean=flat_hand_mean,
            create_global_orient=False,
            create_hand_pose=False,
            create_betas=False,
            create_transl=False,
        )


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
