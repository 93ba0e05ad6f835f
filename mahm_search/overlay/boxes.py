"""boxes.json: where the hands are in each image given to `mahm-search render`.

    {"images/a.jpg": [x, y, width, height], "b.png": [120, 40, 300, 260]}

One entry per image, keyed by the path as given on the command line or by its file name; the box is
[x_min, y_min, width, height] in pixels of that image (COCO / InterHand2.6M `bbox` order), tight around
both hands. The crop is made as in training: a square on the box's centre, its side the box's longer
side times the checkpoint's data.crop.scale. Entries for images not given are ignored.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..errors import DataError

FORMAT = "expected a JSON object mapping each image (its path or file name) to [x, y, width, height] pixels"


def read_boxes(path: Path, images: Sequence[Path]) -> List[Tuple[np.ndarray, float]]:
    """(centre (2,), side) of the tight square around each image's box, in the images' order."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: box file does not exist ({FORMAT})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"{path}: not valid JSON ({err}); {FORMAT}") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: top level is a {type(data).__name__}; {FORMAT}")
    by_name: Dict[str, list] = {}
    for image in images:
        by_name.setdefault(Path(image).name, []).append(image)
    out = []
    for image in images:
        key = str(image) if str(image) in data else Path(image).name
        if key not in data:
            raise DataError(f"{path}: no box for image {image} (expected a key '{image}' or '{Path(image).name}')")
        if key == Path(image).name and len(by_name[key]) > 1 and str(image) not in data:
            raise DataError(f"{path}: '{key}' names {len(by_name[key])} of the images; key them by their paths")
        out.append(_box(data[key], path, key))
    return out


def _box(value, path: Path, key: str) -> Tuple[np.ndarray, float]:
    ok = (isinstance(value, list) and len(value) == 4
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value))
    if not ok or value[2] <= 0 or value[3] <= 0:
        raise DataError(f"{path}: '{key}': expected [x, y, width, height] with width, height > 0, got {value!r}")
    x, y, w, h = (float(v) for v in value)
    return np.array([x + w / 2, y + h / 2]), max(w, h)
