"""An InterHand2.6M fixture written in the exact official release layout: four frames seen by two
cameras (CAMERAS), images, data / camera / joint_3d / MANO_NeuralAnnot JSON files, for the reader,
cache, build and official-metrics tests."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

W, H = 334, 512
CAMERAS = {  # camera id -> (camrot, campos mm, focal, princpt)
    "400001": (np.eye(3), [0.0, 0.0, -500.0], [1000.0, 1000.0], [160.0, 256.0]),
    "400002": (np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), [100.0, 0.0, -400.0],
               [800.0, 820.0], [170.0, 250.0]),
}
SEQ = "0000_neutral_relaxed"


def hand_world(offset_x: float) -> np.ndarray:
    """21 joints of one hand in a small fan around a wrist at (offset_x, 20, 0) (world mm)."""
    j = np.zeros((21, 3))
    for k in range(20):
        j[k] = [offset_x + 4 * (k % 4) + 8 * (k // 4) - 20, 20 - 10 * (4 - k % 4) - 20, 5.0 * (k // 4)]
    j[20] = [offset_x, 20.0, 0.0]
    return j


def write_fixture(root: Path, split: str = "val", order=None) -> dict:
    """Four frames x two cameras: frames 0,1 good, 2 has a null left MANO fit, 3 is a right-hand-only frame.
    Image id = 2 * frame + camera number - 1; `order` permutes the images[] / annotations[] lists."""
    world = np.concatenate([hand_world(10.0), hand_world(-40.0)])  # right = 0-20, left = 21-41
    images, annots, joints, manos = [], [], {"0": {}}, {"0": {}}
    rng = np.random.default_rng(0)
    for frame in range(4):
        fk = str(frame)
        valid = np.ones(42)
        if frame == 1:
            valid[41] = 0  # left root invalid -> whole left hand invalid
        hand_type = "right" if frame == 3 else "interacting"
        joints["0"][fk] = {"world_coord": (world + frame).tolist(), "joint_valid": valid[:, None].tolist(),
                           "hand_type": hand_type, "hand_type_valid": 1}
        fit = {"pose": [0.3, -0.2, 0.1] + [0.01] * 45, "shape": [0.5] * 10, "trans": [0.0, 0.0, 0.0]}
        manos["0"][fk] = {"right": fit, "left": None if frame == 2 else fit}
        for cam in CAMERAS:
            name = f"Capture0/{SEQ}/cam{cam}/image{frame:04d}.jpg"
            path = root / "images" / split / name
            path.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(path), rng.integers(0, 255, (H, W, 3), dtype=np.uint8))
            iid = len(images)
            images.append({"id": iid, "file_name": name, "width": W, "height": H, "capture": 0, "subject": 0,
                           "seq_name": SEQ, "camera": cam, "frame_idx": frame})
            annots.append({"id": iid, "image_id": iid, "bbox": [0, 0, W, H], "joint_valid": valid[:, None].tolist(),
                           "hand_type": hand_type, "hand_type_valid": 1})
    cams = {"0": {"campos": {c: v[1] for c, v in CAMERAS.items()},
                  "camrot": {c: np.asarray(v[0]).tolist() for c, v in CAMERAS.items()},
                  "focal": {c: v[2] for c, v in CAMERAS.items()}, "princpt": {c: v[3] for c, v in CAMERAS.items()}}}
    if order is not None:
        images, annots = [images[k] for k in order], [annots[k] for k in order]
    ann = root / "annotations" / split
    ann.mkdir(parents=True, exist_ok=True)
    for kind, obj in (("data", {"images": images, "annotations": annots}), ("camera", cams),
                      ("joint_3d", joints), ("MANO_NeuralAnnot", manos)):
        (ann / f"InterHand2.6M_{split}_{kind}.json").write_text(json.dumps(obj))
    return {"world": world}
