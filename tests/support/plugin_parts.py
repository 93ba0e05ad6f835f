"""Small plug-ins for the contract tests, named as `support.plugin_parts:NAME` in configs."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def tiny_backbone(width: int = 8):
    """(B,3,H,W) -> (B,2*width,H/16,W/16)."""
    return nn.Sequential(nn.Conv2d(3, width, 3, 4, 1), nn.BatchNorm2d(width), nn.ReLU(),
                         nn.Conv2d(width, 2 * width, 3, 4, 1), nn.ReLU())


def pooled_backbone():
    """Breaks the contract: a vector per image, not a feature map."""
    return nn.Sequential(nn.Conv2d(3, 8, 3, 4, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


class _ShortHead(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.fc = nn.Linear(in_channels, 3)

    def forward(self, features):
        b = features.shape[0]
        return {"stages": [{"joints_3d": self.fc(features.mean(dim=(2, 3))).view(b, 1, 3)}]}


def short_head(in_channels, stride, input_size, mano):
    """Breaks the contract: its stage lacks every key but joints_3d, which has the wrong shape."""
    return _ShortHead(in_channels)


def per_sample_loss(outputs, batch, gt):
    """Breaks the contract: one value per sample instead of the batch's mean."""
    return outputs["stages"][-1]["joints_3d"].abs().mean(dim=(1, 2, 3))


def nan_left_hand(split, image_size, n: int = 4):
    """Breaks the contract: the missing left hand is NaN instead of zeros behind its mask."""
    rng = np.random.default_rng(0)
    sample = {"image": rng.integers(0, 255, (image_size, image_size, 3), dtype=np.uint8),
              "joints_3d": np.full((2, 21, 3), np.nan, np.float32), "joints_2d": np.zeros((2, 21, 2), np.float32),
              "mano_pose": np.zeros((2, 48), np.float32), "mano_shape": np.zeros((2, 10), np.float32),
              "hand_valid": np.array([1, 0], np.float32), "joint_valid": np.zeros((2, 21), np.float32),
              "mano_valid": np.zeros(2, np.float32), "K": np.eye(3, dtype=np.float32)}
    sample["joints_3d"][0] = 1.0
    return [sample] * n


def mean_depth(outputs, batch, gt):
    """A metric: each sample's mean predicted |z| of the last stage (B,)."""
    return outputs["stages"][-1]["joints_3d"][..., 2].abs().flatten(1).mean(1)


def scalar_metric(outputs, batch, gt):
    return torch.zeros(())


def mean_abs_z(outputs, batch, gt):
    """A loss term: the batch's mean |z| of the last stage's joints, mm."""
    return outputs["stages"][-1]["joints_3d"][..., 2].abs().mean()
