"""Where the InterHand2.6M release keeps each file, and loading them with errors that name the path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import cv2
import numpy as np

from ...errors import DataError

ANNOTATION_KINDS = ("data", "camera", "joint_3d", "MANO_NeuralAnnot")


def annotation_path(root: Path, split: str, kind: str) -> Path:
    """annotations/{split}/InterHand2.6M_{split}_{kind}.json"""
    return Path(root) / "annotations" / split / f"InterHand2.6M_{split}_{kind}.json"


def image_path(root: Path, split: str, file_name: str) -> Path:
    """images/{split}/{file_name}, file_name as in the data json (Capture*/seq/cam*/image*.jpg)."""
    return Path(root) / "images" / split / file_name


def load_annotation(root: Path, split: str, kind: str) -> Any:
    path = annotation_path(root, split, kind)
    if not path.is_file():
        raise DataError(f"{path}: InterHand2.6M annotation file is missing (expected the official "
                        f"release layout: annotations/{split}/InterHand2.6M_{split}_{kind}.json)")
    try:
        with open(path, "rb") as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not valid JSON: {err}") from None


def require(mapping: Any, key: str, path: Path, where: str) -> Any:
    """mapping[key], or a DataError naming the file and the missing field."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise DataError(f"{path}: {where}: missing field '{key}'")
    return mapping[key]


def read_rgb(path: Path) -> np.ndarray:
    """An image file as RGB uint8 (H, W, 3); DataError when it is missing or cannot be decoded."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        what = "missing" if not Path(path).is_file() else "corrupt or not an image (OpenCV cannot decode it)"
        raise DataError(f"{path}: image file is {what}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def camera_table(cameras: Dict[str, Any], path: Path) -> Dict[tuple, Dict[str, np.ndarray]]:
    """{(capture, camera): {'R', 'campos', 'focal', 'princpt'}} from the camera json."""
    table = {}
    for capture, cams in cameras.items():
        fields = {k: require(cams, k, path, f"capture {capture}") for k in ("campos", "camrot", "focal", "princpt")}
        for cam in fields["camrot"]:
            try:
                table[(str(capture), str(cam))] = {
                    "R": np.asarray(fields["camrot"][cam], np.float64).reshape(3, 3),
                    "campos": np.asarray(fields["campos"][cam], np.float64).reshape(3),
                    "focal": np.asarray(fields["focal"][cam], np.float64).reshape(2),
                    "princpt": np.asarray(fields["princpt"][cam], np.float64).reshape(2),
                }
            except (KeyError, ValueError, TypeError) as err:
                raise DataError(f"{path}: capture {capture} camera {cam}: malformed camera "
                                f"(expected campos [3], camrot [3x3], focal [2], princpt [2]): {err}") from None
    return table
