"""The one sample dict every data source yields (SAMPLE_KEYS below), and image (de)normalisation.

Sources first build a *raw* sample: the same keys as numpy arrays, with `image` an RGB uint8 (H, W, 3)
picture. `to_sample` turns it into the torch sample dict below. Training loaders ask for the compact
form, whose image stays that uint8 (H, W, 3) picture: a quarter of the bytes to pass from DataLoader
workers, to pin and to copy to the device, where `normalize_images` makes the float image (its NCHW
view of the NHWC bytes is channels_last already).

Keys of a sample (hand 0 = right, hand 1 = left; joints in InterHand2.6M order, wrist = 20):
  image        (3, H, W) float32  RGB, normalised with IMAGE_MEAN / IMAGE_STD
  joints_3d    (2, 21, 3) float32 camera coordinates, mm
  joints_2d    (2, 21, 2) float32 pixels of the (cropped) image
  mano_pose    (2, 48)    float32 axis-angle, global rotation in the camera frame
  mano_shape   (2, 10)    float32 betas
  root_rel     (3,)       float32 left wrist minus right wrist, mm
  hand_valid   (2,)       float32 1 where the hand is annotated (its root valid)
  joint_valid  (2, 21)    float32 1 where the joint is annotated (0 for every joint of an invalid hand)
  mano_valid   (2,)       float32 1 where mano_pose / mano_shape are a real fit
  K            (3, 3)     float32 intrinsics of the (cropped) image: joints_2d ~ K @ joints_3d
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Tuple

import numpy as np
import torch

from ..hands.joints import ROOT

IMAGE_MEAN = (0.485, 0.456, 0.406)  # ImageNet RGB statistics, as torchvision's ResNets expect
IMAGE_STD = (0.229, 0.224, 0.225)

SAMPLE_KEYS = (
    "image", "joints_3d", "joints_2d", "mano_pose", "mano_shape", "root_rel",
    "hand_valid", "joint_valid", "mano_valid", "K",
    "hand_type",  # (2,) the hands the sample shows, as InterHand2.6M's hand_type: [1,0] right, [0,1] left, [1,1] both
)

_MEAN = np.asarray(IMAGE_MEAN, np.float32) * 255.0
_STD = np.asarray(IMAGE_STD, np.float32) * 255.0


def normalize_image(rgb: np.ndarray) -> torch.Tensor:
    """RGB uint8 (H, W, 3) -> normalised float32 (3, H, W)."""
    out = (rgb.astype(np.float32) - _MEAN) / _STD
    return torch.from_numpy(np.ascontiguousarray(out.transpose(2, 0, 1)))


@functools.lru_cache(maxsize=None)
def _mean_std(device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    # Made once per device: a copy from pageable host memory would wait for the device's queued work.
    return tuple(torch.from_numpy(v).to(device).view(3, 1, 1) for v in (_MEAN, _STD))


def normalize_images(rgb: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """RGB uint8 (B, H, W, 3) -> normalised float32 (B, 3, H, W), on rgb's device: the same values as
    normalize_image (the same float32 operations), channels_last or contiguous."""
    mean, std = _mean_std(rgb.device)
    out = (rgb.permute(0, 3, 1, 2).float() - mean) / std  # elementwise ops keep the NHWC strides
    return out.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def denormalize(image: torch.Tensor) -> np.ndarray:
    """Normalised (3, H, W) or (B, 3, H, W) tensor -> RGB uint8 (H, W, 3) or (B, H, W, 3) array."""
    arr = image.detach().float().cpu().numpy()
    arr = np.moveaxis(arr, -3, -1) * _STD + _MEAN
    return np.clip(np.rint(arr), 0, 255).astype(np.uint8)


def root_relative(joints_3d: np.ndarray) -> np.ndarray:
    """Left wrist minus right wrist (3,), mm."""
    return (joints_3d[1, ROOT] - joints_3d[0, ROOT]).astype(np.float32)


def to_sample(raw: Dict[str, Any], compact: bool = False) -> Dict[str, torch.Tensor]:
    """Raw numpy sample (uint8 RGB image) -> the torch sample dict; root_rel is derived here.
    compact: the image stays uint8 (H, W, 3) (train/step/step.py to_device normalises it on the device)."""
    image = raw["image"]
    out = {"image": torch.from_numpy(np.ascontiguousarray(image)) if compact else normalize_image(image)}
    for key in SAMPLE_KEYS[1:]:
        if key == "root_rel":
            value = root_relative(raw["joints_3d"])
        elif key == "hand_type" and key not in raw:
            value = raw["hand_valid"]  # a source without annotated hand types shows the hands it has
        else:
            value = raw[key]
        out[key] = torch.as_tensor(np.asarray(value, dtype=np.float32))
    return out
