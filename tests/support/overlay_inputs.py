"""A tiny untrained checkpoint (best.pt layout) and picture files with a boxes.json, for the render tests."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from mahm_search.config import trial_config
from mahm_search.model.builder import build_model
from mahm_search.train.checkpoint import save_best

TINY = {"arch": {"backbone": "resnet18", "width_mult": 0.125, "input_size": 64, "cascade_widths": [16],
                 "ief_iters": 1},
        "data": {"synthetic": {"n_train": 4, "n_val": 2, "cache": False}}}


def tiny_checkpoint(folder: Path) -> Path:
    config = trial_config(TINY)
    model = build_model(config.arch, config.mano)
    path = Path(folder) / "best.pt"
    save_best(path, config.to_dict(), 0, model.state_dict(), {"score": 1.0})
    return path


def pictures(folder: Path) -> tuple:
    """Two pictures (different sizes) and a boxes.json for them: [x, y, w, h], one keyed by file name,
    one by path."""
    folder = Path(folder)
    rng = np.random.default_rng(0)
    a, b = folder / "a.png", folder / "sub" / "b.jpg"
    b.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(a), rng.integers(0, 255, (120, 200, 3), dtype=np.uint8))
    cv2.imwrite(str(b), rng.integers(0, 255, (300, 180, 3), dtype=np.uint8))
    boxes = folder / "boxes.json"
    boxes.write_text(json.dumps({"a.png": [40, 20, 80, 60], str(b): [10.5, 30, 150, 200]}))
    return [a, b], boxes
