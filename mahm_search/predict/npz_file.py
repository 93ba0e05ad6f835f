"""The predictions file (the format metrics/official_eval.py reads; README's table):

    ids       (N,)          int64    official image id (InterHand2.6M) or sample index (synthetic)
    joints    (N,2,21,3)    float32  mm, hand 0 = right, InterHand2.6M joint order, each hand root-relative
    vertices  (N,2,778,3)   float32  MANO meshes, mm, each hand relative to its wrist joint
    root_rel  (N,3)         float32  left wrist minus right wrist, mm (camera frame)

Written atomically: a reader sees the whole file or none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import numpy as np

from ..files import atomic_write

NPZ_KEYS = ("ids", "joints", "vertices", "root_rel")


def write_predictions(path: Path, arrays: Dict[str, np.ndarray]) -> None:
    missing = [k for k in NPZ_KEYS if k not in arrays]
    if missing:
        raise ValueError(f"predictions lack {missing}")
    atomic_write(Path(path), lambda f: np.savez(f, **{k: arrays[k] for k in NPZ_KEYS}))
