"""Square crops around both hands (the report's 'cropping', section 2.4), with OpenCV.

One affine map A (2x3, original pixels -> crop pixels) moves the image (cv2.warpAffine), the 2D joints
(A @ [u, v, 1]) and the intrinsics. How 2D and 3D stay consistent under an in-plane rotation by angle a:
rotating the picture equals rolling the camera about its optical (z) axis, so the 3D joints and the MANO
global orientation are rotated by Rz(a) too, and the crop intrinsics are K' = A3 @ K @ Rz^T
(A3 = A with a [0, 0, 1] row). Then K' @ (Rz @ X) = A3 @ K @ X: the new 3D joints project exactly onto
the new 2D joints. With fx == fy, K' is again a plain pinhole matrix (focal scaled, principal point
moved by A); with fx != fy it carries a small skew term, still exact.

`crop.enabled: false` ablates the crop: the box is the whole frame (letterboxed into the square input).
Augmentation (training only) jitters the box centre, scales its side and rotates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import cv2
import numpy as np
import torch

from .spec import CropSpec


@dataclass(frozen=True)
class Augmentation:
    shift: Tuple[float, float] = (0.0, 0.0)  # box centre shift, fraction of the box side
    scale: float = 1.0  # box side multiplier
    angle_deg: float = 0.0  # in-plane rotation, counter-clockwise as displayed


def augmentation_rng() -> np.random.Generator:
    """A numpy RNG drawn from torch's: reproducible under torch.manual_seed, distinct per DataLoader worker."""
    return np.random.default_rng(int(torch.randint(0, 2**62, ()).item()))


def sample_augmentation(spec: CropSpec, rng: np.random.Generator) -> Augmentation:
    shift = rng.uniform(-spec.jitter, spec.jitter, 2) if spec.jitter else np.zeros(2)
    scale = rng.uniform(1 - spec.scale_aug, 1 + spec.scale_aug) if spec.scale_aug else 1.0
    angle = rng.uniform(-spec.rotation_deg, spec.rotation_deg) if spec.rotation_deg else 0.0
    return Augmentation((float(shift[0]), float(shift[1])), float(scale), float(angle))


def hands_box(joints_2d: np.ndarray, joint_valid: np.ndarray, frame_wh: Tuple[int, int],
              scale: float) -> Tuple[np.ndarray, float]:
    """Centre and side of the square box around all valid joints of both hands; whole frame if none."""
    pts = joints_2d.reshape(-1, 2)[joint_valid.reshape(-1) > 0]
    if len(pts) == 0:
        return frame_box(frame_wh)
    lo, hi = pts.min(0), pts.max(0)
    side = scale * max(float((hi - lo).max()), 1.0)
    return (lo + hi) / 2.0, side


def frame_box(frame_wh: Tuple[int, int]) -> Tuple[np.ndarray, float]:
    """The letterbox 'crop': the whole frame centred in a square of its longer side."""
    w, h = frame_wh
    return np.array([w / 2.0, h / 2.0]), float(max(w, h))


def crop_affine(center: np.ndarray, side: float, out_size: int, angle_deg: float = 0.0) -> np.ndarray:
    """A (2, 3): rotate by angle_deg about `center`, scale side -> out_size, put center mid-crop."""
    a = cv2.getRotationMatrix2D((float(center[0]), float(center[1])), angle_deg, out_size / side)
    a[:, 2] += out_size / 2.0 - np.asarray(center, np.float64)
    return a


def camera_roll(angle_deg: float) -> np.ndarray:
    """Rz (3, 3): the camera-frame rotation that matches the image rotation of crop_affine."""
    c, s = np.cos(np.deg2rad(angle_deg)), np.sin(np.deg2rad(angle_deg))
    return np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])


def choose_affine(raw: Dict[str, Any], spec: CropSpec, out_size: int, frame_wh: Tuple[int, int],
                  aug: Optional[Augmentation] = None) -> Tuple[np.ndarray, float]:
    """The crop's affine map and rotation angle for a raw sample (joints_2d in frame pixels)."""
    if spec.enabled:
        center, side = hands_box(raw["joints_2d"], raw["joint_valid"], frame_wh, spec.scale)
    else:
        center, side = frame_box(frame_wh)
    aug = aug or Augmentation()
    center = center + np.asarray(aug.shift) * side
    side = side * aug.scale
    return crop_affine(center, side, out_size, aug.angle_deg), aug.angle_deg


def transform_geometry(raw: Dict[str, Any], affine: np.ndarray, angle_deg: float) -> Dict[str, Any]:
    """Apply the affine map to joints_2d and K, and the matching roll to joints_3d and MANO's global pose."""
    out = dict(raw)
    a3 = np.vstack([affine, [0.0, 0.0, 1.0]])
    rz = camera_roll(angle_deg)
    uv = raw["joints_2d"].reshape(-1, 2).astype(np.float64)
    out["joints_2d"] = (uv @ affine[:, :2].T + affine[:, 2]).reshape(raw["joints_2d"].shape).astype(np.float32)
    out["K"] = (a3 @ raw["K"] @ rz.T).astype(np.float32)
    if angle_deg:
        out["joints_3d"] = (raw["joints_3d"] @ rz.T).astype(np.float32)
        out["mano_pose"] = roll_global_orient(raw["mano_pose"], raw["mano_valid"], rz)
    return out


def roll_global_orient(mano_pose: np.ndarray, mano_valid: np.ndarray, rz: np.ndarray) -> np.ndarray:
    """Left-compose rz with each valid hand's global rotation (pose[:, :3], axis-angle)."""
    pose = np.array(mano_pose, np.float32, copy=True)
    for h in range(pose.shape[0]):
        if mano_valid[h] > 0:
            rot, _ = cv2.Rodrigues(pose[h, :3].astype(np.float64))
            pose[h, :3] = cv2.Rodrigues(rz @ rot)[0].ravel()
    return pose


def crop_sample(raw: Dict[str, Any], spec: CropSpec, out_size: int,
                rng: Optional[np.random.Generator] = None) -> Dict[str, Any]:
    """Crop (or letterbox) a raw sample to out_size x out_size; augment when an rng is given."""
    h, w = raw["image"].shape[:2]
    aug = sample_augmentation(spec, rng) if rng is not None else None
    affine, angle = choose_affine(raw, spec, out_size, (w, h), aug)
    out = transform_geometry(raw, affine, angle)
    out["image"] = cv2.warpAffine(raw["image"], affine, (out_size, out_size), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return out
