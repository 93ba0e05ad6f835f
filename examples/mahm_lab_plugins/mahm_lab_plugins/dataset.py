"""freihand_like: FreiHAND's layout (fixture.py) as mahm-search samples. One right hand per image; the
left hand is absent, so its hand_valid, joint_valid and mano_valid are 0 (its values are zeros).
Built with (split, image_size, **data.args); the last `val_count` frames are the val split."""

import json
from pathlib import Path

import cv2
import numpy as np

from .joint_order import FREIHAND_OF_INTERHAND


class FreiHandLike:
    def __init__(self, root, split, image_size, val_count=8):
        root = Path(root)
        self.root, self.size = root, image_size
        self.xyz = json.loads((root / "training_xyz.json").read_text())
        self.K = json.loads((root / "training_K.json").read_text())
        self.mano = json.loads((root / "training_mano.json").read_text())
        n = len(self.xyz)
        self.indices = list(range(n - val_count)) if split == "train" else list(range(n - val_count, n))

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        frame = self.indices[i]
        bgr = cv2.imread(str(self.root / "training" / "rgb" / f"{frame:08d}.jpg"))
        scale = self.size / bgr.shape[1]
        image = np.ascontiguousarray(cv2.resize(bgr, (self.size, self.size), interpolation=cv2.INTER_AREA)[:, :, ::-1])
        K = np.array(self.K[frame], np.float32)
        K[:2] *= scale
        right = np.array(self.xyz[frame], np.float32)[FREIHAND_OF_INTERHAND] * 1000.0  # metres -> mm
        uv = (right @ K.T)[:, :2] / right[:, 2:]
        params = np.array(self.mano[frame][0], np.float32)
        joints_3d = np.zeros((2, 21, 3), np.float32)
        joints_2d = np.zeros((2, 21, 2), np.float32)
        pose, shape = np.zeros((2, 48), np.float32), np.zeros((2, 10), np.float32)
        joints_3d[0], joints_2d[0], pose[0], shape[0] = right, uv, params[:48], params[48:58]
        one_hand = np.array([1, 0], np.float32)
        return {"image": image, "joints_3d": joints_3d, "joints_2d": joints_2d, "mano_pose": pose,
                "mano_shape": shape, "hand_valid": one_hand, "joint_valid": np.repeat(one_hand[:, None], 21, 1),
                "mano_valid": one_hand, "K": K, "hand_type": one_hand}


def freihand_like(split, image_size, root, val_count=8):
    return FreiHandLike(root, split, image_size, val_count)
