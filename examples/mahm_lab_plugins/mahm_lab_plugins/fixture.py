"""A generated stand-in for FreiHAND's layout (one right hand per image), so the example runs anywhere:

    ROOT/training_xyz.json   [[21 x [x, y, z]]] metres, camera frame, FreiHAND joint order (wrist, thumb..pinky, base to tip)
    ROOT/training_K.json     [[3 x [3]]] intrinsics
    ROOT/training_mano.json  [[[48 pose, 10 shape, 3 trans]]]
    ROOT/training/rgb/%08d.jpg

python -m mahm_lab_plugins.fixture ROOT [--n 40] writes it. Hands come from mahm-search's MANO layer with
random poses; the picture is the hand's 2D skeleton drawn with a colour per finger.
"""

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
import torch

from mahm_search.hands import SKELETON, ManoSpec, TwoHandMANO

from .joint_order import INTERHAND_TO_FREIHAND

SIZE = 128
DEPTH_MM = 450.0
FINGER_COLOURS = [(230, 60, 60), (60, 200, 60), (60, 90, 230), (230, 200, 40), (200, 60, 220)]


def make_fixture(root, n: int = 40, seed: int = 0) -> Path:
    root = Path(root)
    (root / "training" / "rgb").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pose = np.zeros((n, 2, 48), np.float32)
    pose[:, 0, :3] = rng.normal(0, 0.5, (n, 3)) + [np.pi / 2, 0, 0]  # palm roughly towards the camera
    pose[:, 0, 3:] = rng.normal(0, 0.25, (n, 45))
    shape = np.zeros((n, 2, 10), np.float32)
    shape[:, 0] = rng.normal(0, 0.5, (n, 10))
    with torch.no_grad():
        joints = TwoHandMANO(ManoSpec())(torch.from_numpy(pose), torch.from_numpy(shape))["joints"][:, 0].numpy()
    xyz_all, k_all, mano_all = [], [], []
    for i in range(n):
        trans = np.array([rng.uniform(-20, 20), rng.uniform(-20, 20), DEPTH_MM]) - joints[i, 20]
        cam = joints[i] + trans  # InterHand order, mm, wrist at about (0, 0, DEPTH_MM)
        f = SIZE * rng.uniform(1.6, 2.0)
        K = np.array([[f, 0, SIZE / 2], [0, f, SIZE / 2], [0, 0, 1]])
        uv = (cam @ K.T)[:, :2] / cam[:, 2:]
        image = rng.integers(90, 140, (SIZE, SIZE, 3), dtype=np.uint8)
        for parent, child in SKELETON:
            colour = FINGER_COLOURS[min(parent, child) // 4] if min(parent, child) < 20 else (240, 240, 240)
            cv2.line(image, tuple(int(v) for v in uv[parent]), tuple(int(v) for v in uv[child]), colour, 3)
        cv2.imwrite(str(root / "training" / "rgb" / f"{i:08d}.jpg"), image[:, :, ::-1])
        xyz_all.append((cam[INTERHAND_TO_FREIHAND] / 1000.0).tolist())
        k_all.append(K.tolist())
        mano_all.append([pose[i, 0].tolist() + shape[i, 0].tolist() + (trans / 1000.0).tolist()])
    for name, value in (("xyz", xyz_all), ("K", k_all), ("mano", mano_all)):
        (root / f"training_{name}.json").write_text(json.dumps(value))
    return root


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    print(make_fixture(args.root, args.n))
