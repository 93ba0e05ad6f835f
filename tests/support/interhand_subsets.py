"""The official-layout fixture (interhand_fixture.py) with what the published subsets look at: annotation
ids apart from image ids, a hand_type_valid flag, a dark image, an annotation whose hands get no box,
and InterWild's list of human-annotated annotation ids.

Image ids 0-7 (= 2 * frame + camera - 1); frames 0-2 interacting (frame 1: left root invalid, frame 2: no
left MANO fit), frame 3 right-only. Changed here:
  image 1: hand_type_valid 0                  -> out of IntagHand's set
  image 2: only the right wrist valid          -> no box for either hand: out of InterWild's set
  image 3: a black picture                     -> out of IntagHand's set (mean < 10)
  aid list: images 0, 2, 3, 5, 6, 7            -> 1 and 4 not human-annotated
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from .interhand_fixture import H, W, write_fixture

AID_OFFSET = 1000  # annotation id = image id + AID_OFFSET: a subset must map one to the other
LISTED = (0, 2, 3, 5, 6, 7)
EXPECTED = {  # image ids each subset selects
    "all": [0, 1, 2, 3, 4, 5, 6, 7],
    "interacting": [0, 1, 2, 3, 4, 5],
    "interwild_annotated": [0, 3, 5, 6, 7],
    "intaghand": [0, 2],
}


def write_subset_fixture(root: Path, split: str = "test") -> dict:
    out = write_fixture(root, split)
    path = root / "annotations" / split / f"InterHand2.6M_{split}_data.json"
    data = json.loads(path.read_text())
    for ann in data["annotations"]:
        ann["id"] = ann["image_id"] + AID_OFFSET
        if ann["image_id"] == 1:
            ann["hand_type_valid"] = 0
        if ann["image_id"] == 2:
            valid = np.zeros(42)
            valid[20] = 1
            ann["joint_valid"] = valid[:, None].tolist()
    path.write_text(json.dumps(data))
    name = next(im["file_name"] for im in data["images"] if im["id"] == 3)
    cv2.imwrite(str(root / "images" / split / name), np.full((H, W, 3), 4, np.uint8))
    (root / f"aid_human_annot_{split}.txt").write_text("".join(f"{i + AID_OFFSET}\n" for i in LISTED))
    return out
