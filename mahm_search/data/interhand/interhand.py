"""InterHand2.6M reader (the official release layout, as read by facebookresearch/InterHand2.6M
data/InterHand2.6M/dataset.py) -> the sample dict.

World mm -> camera: cam = R @ (world - campos); pixels: u = x / z * fx + cx, v = y / z * fy + cy.
The 42 joints become (2, 21): hand 0 = right (dataset joints 0-20), hand 1 = left (21-41); the dataset's
per-hand order is ours. MANO's world-frame global rotation becomes R @ R_world in the camera frame (the
rotation is about the wrist, so only MANO's trans would change further, and trans is not used).
Samples whose required hands have no MANO fit (null) are skipped and counted in `dataset.skipped`
(unless require_mano=False, as for predictions).
Samples keep the official annotation order; `sample_ids` are their official image ids. Besides the
common sample keys, a sample carries `hand_type` (2,): [1,0] right, [0,1] left, [1,1] interacting, as the
official evaluation groups samples (metrics/metrics.py uses it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ...hands.joints import NUM_JOINTS, ROOT
from ..crop import augmentation_rng, crop_sample
from .interhand_files import image_path, read_rgb
from .interhand_index import build_index
from ..sample import to_sample
from ..spec import CropSpec, InterHandSpec


def world_to_camera(world: np.ndarray, R: np.ndarray, campos: np.ndarray) -> np.ndarray:
    """(..., 3) world mm -> camera mm: R @ (world - campos)."""
    return (world - campos) @ R.T


def project(cam: np.ndarray, focal: np.ndarray, princpt: np.ndarray) -> np.ndarray:
    """(..., 3) camera mm -> (..., 2) pixels."""
    z = np.where(np.abs(cam[..., 2:]) < 1e-6, 1e-6, cam[..., 2:])
    return cam[..., :2] / z * focal + princpt


def intrinsics(focal: np.ndarray, princpt: np.ndarray) -> np.ndarray:
    return np.array([[focal[0], 0, princpt[0]], [0, focal[1], princpt[1]], [0, 0, 1]], np.float64)


def mano_to_camera(pose: np.ndarray, valid: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Compose each fitted hand's global rotation (world frame) with the camera rotation."""
    out = pose.copy()
    for h in range(2):
        if valid[h]:
            rot, _ = cv2.Rodrigues(pose[h, :3].astype(np.float64))
            out[h, :3] = cv2.Rodrigues(R @ rot)[0].ravel()
    return out


class InterHandDataset(Dataset):
    """Lazily indexed InterHand2.6M split; images are read and cropped in __getitem__."""

    def __init__(self, spec: InterHandSpec, split: str, image_size: int, crop: CropSpec = CropSpec(),
                 augment: bool = False, limit: Optional[int] = None, require_mano: bool = True):
        self.root = Path(spec.root)
        self.split = split
        self.image_size = image_size
        self.crop = crop
        self.augment = augment
        # require_mano=False keeps frames without MANO fits (predictions for every id `evaluate` scores)
        self.index = build_index(self.root, split, spec, limit, require_mano=require_mano)

    @property
    def skipped(self) -> Dict[str, int]:
        """Samples left out, by reason: hand_type, no_camera, no_joints, no_mano."""
        return dict(self.index.skipped)

    @property
    def sample_ids(self) -> np.ndarray:
        """(N,) official image id of each sample, in dataset order."""
        return self.index.ids.copy()

    def __len__(self) -> int:
        return len(self.index)

    def _camera_joints(self, i: int) -> np.ndarray:
        """Sample i's 42 joints in its camera's frame, (42, 3) float64 mm."""
        ix = self.index
        c, f = int(ix.camera[i]), int(ix.frame[i])
        return world_to_camera(ix.world[f].astype(np.float64), ix.cam_R[c], ix.cam_pos[c])

    def labels(self, i: int) -> dict:
        """Sample i's 3D annotations without reading its image (a mean over the training set, such as
        train/blind/blind.py's, would otherwise decode every picture): joints_3d, mano_pose (camera frame),
        mano_shape, hand_valid, joint_valid, mano_valid, as raw_sample has them."""
        ix = self.index
        c, f = int(ix.camera[i]), int(ix.frame[i])
        joint_valid = ix.joint_valid[i].reshape(2, NUM_JOINTS).astype(np.float32)
        joint_valid *= joint_valid[:, ROOT:ROOT + 1]  # an invalid root invalidates its hand
        mano_valid = ix.mano_valid[f].astype(np.float32)
        return {
            "joints_3d": self._camera_joints(i).reshape(2, NUM_JOINTS, 3).astype(np.float32),
            "mano_pose": mano_to_camera(ix.mano_pose[f], mano_valid, ix.cam_R[c]).astype(np.float32),
            "mano_shape": ix.mano_shape[f].copy(),
            "hand_valid": joint_valid[:, ROOT].copy(),
            "joint_valid": joint_valid,
            "mano_valid": mano_valid,
        }

    def raw_sample(self, i: int) -> dict:
        """The uncropped sample: full-frame RGB image, frame pixels and the camera's own K."""
        ix = self.index
        c = int(ix.camera[i])
        focal, princpt = ix.cam_focal[c], ix.cam_princpt[c]
        pixels = project(self._camera_joints(i), focal, princpt)
        return {
            "image": read_rgb(image_path(self.root, self.split, ix.files[i])),
            **self.labels(i),
            "joints_2d": pixels.reshape(2, NUM_JOINTS, 2).astype(np.float32),
            "K": intrinsics(focal, princpt),
        }

    def draw(self, i: int, rng: Optional[np.random.Generator], compact: bool = False) -> Dict[str, torch.Tensor]:
        """Sample i, cropped, and augmented from `rng` when this split augments (train/batches.py seeds
        it per draw); compact: a uint8 image (data/sample.py)."""
        raw = self.raw_sample(i)
        sample = to_sample(crop_sample(raw, self.crop, self.image_size, rng if self.augment else None), compact)
        sample["hand_type"] = torch.as_tensor(self.index.hand_type[i], dtype=torch.float32)
        return sample

    def __getitem__(self, i: int) -> Dict[str, torch.Tensor]:
        return self.draw(i, augmentation_rng() if self.augment else None)
