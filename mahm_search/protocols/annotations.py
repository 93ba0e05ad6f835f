"""The few annotation fields the published subsets need beyond the index (data/interhand/interhand_index.py):
per annotation its id, hand_type_valid and the image size, and per frame joint_3d's own joint_valid.
Streamed like the index (data/interhand/interhand_stream.py), so the 5 fps test split never sits in memory whole."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Set, Tuple

import numpy as np

from ..data.interhand.interhand_files import annotation_path
from ..data.interhand.interhand_stream import _top_level, read_frames
from ..errors import DataError


def annotation_fields(root: Path, split: str) -> Dict[str, np.ndarray]:
    """{'aid', 'image_id', 'hand_type_valid', 'width', 'height', 'capture', 'frame_key'} per annotation
    (the file's order), the image's fields joined by image id. A field the release always has but the file lacks is a DataError."""
    path = annotation_path(root, split, "data")
    images: Dict[int, tuple] = {}
    aid, image_id, htv = [], [], []
    for key, reader in _top_level(path):
        if key == "images":
            for image in reader.items():
                _need(image, ("id", "width", "height", "capture", "frame_idx"), path, "images[]")
                images[int(image["id"])] = (int(image["width"]), int(image["height"]), str(image["capture"]),
                                            str(image["frame_idx"]))
        elif key == "annotations":
            for ann in reader.items():
                _need(ann, ("id", "image_id"), path, "annotations[]")
                aid.append(int(ann["id"]))
                image_id.append(int(ann["image_id"]))
                htv.append(int(bool(ann.get("hand_type_valid", 1))))
    rows = [images.get(i, (0, 0, "", "")) for i in image_id]
    return {"aid": np.asarray(aid, np.int64), "image_id": np.asarray(image_id, np.int64),
            "hand_type_valid": np.asarray(htv, np.uint8),
            "width": np.asarray([r[0] for r in rows], np.int64), "height": np.asarray([r[1] for r in rows], np.int64),
            "capture": [r[2] for r in rows], "frame_key": [r[3] for r in rows]}


def frame_joint_valid(root: Path, split: str, frames: Set[Tuple[str, str]]) -> Dict[tuple, np.ndarray]:
    """joint_3d.json's joint_valid (42,) per wanted (capture, frame_idx) (InterWild reads it, not the
    per-image one, for its 'no valid joint at all' skip)."""
    path = annotation_path(root, split, "joint_3d")

    def convert(record, key):
        try:
            return np.asarray(record["joint_valid"], np.float32).reshape(42)
        except (KeyError, ValueError, TypeError) as err:
            raise DataError(f"{path}: capture {key[0]} frame {key[1]}: joint_valid: expected 42 flags ({err})")

    out = read_frames(path, frames, convert)
    for value in out.values():
        if isinstance(value, DataError):
            raise value
    return out


def _need(item, fields, path: Path, where: str) -> None:
    missing = [f for f in fields if not isinstance(item, dict) or f not in item]
    if missing:
        raise DataError(f"{path}: {where}: missing field(s) {missing}")
