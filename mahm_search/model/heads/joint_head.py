"""The integral 2.5D joint head (`arch.heatmap: integral`): where each joint is, read from stride-8 features.

A network that pools its whole feature map into one vector learns where the hands point but not how the
fingers bend: at 64 px a finger is a few pixels wide and its evidence is gone after global pooling. This
head keeps the picture: from the backbone's stride-8 map (layer2) a 3x3 conv and one x2 deconvolution
give, per joint (channel c = hand * 21 + joint), a logit map and a depth map at a quarter of the input
size. A softmax over each logit map is a probability of the joint's position; its expectation is (u, v)
in [-1, 1] crop coordinates and the expected depth under it is z, the joint's depth relative to its own
hand's wrist in units of DEPTH_UNIT_MM (integral regression, Sun et al. 2018; 2.5D, Iqbal et al. 2018).
(u, v, z, peak probability) per joint enter every MAHM stage, which turns them into MANO parameters.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from ...hands.joints import NUM_JOINTS
from .heatmap import expected_position

DEPTH_UNIT_MM = 100.0  # z = 1 is 100 mm behind the wrist: targets stay within about [-1, 1]
INTEGRAL_FEATURES_PER_HAND = NUM_JOINTS * 4  # (u, v, z, confidence) per joint
FEATURE_STRIDE = 8  # the head reads layer2


class IntegralJointHead(nn.Module):
    """Stride-8 feature map (B,C,h,w) -> logits and depth maps, each (B,42,2h,2w)."""

    def __init__(self, in_channels: int, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(channels, channels, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
        )
        self.logits = nn.Conv2d(channels, 2 * NUM_JOINTS, 1)
        self.depth = nn.Conv2d(channels, 2 * NUM_JOINTS, 1)

    def forward(self, features: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.body(features)
        return self.logits(h), self.depth(h)


def integral_joints(logits: torch.Tensor, depth: torch.Tensor) -> torch.Tensor:
    """(B,42,h,w) logits and depth maps -> (B,2,21,4): u, v in [-1, 1] (pixel centres), z, peak probability."""
    b, c, h, w = logits.shape
    prob = torch.softmax(logits.float().flatten(2), dim=-1).view(b, c, h, w)
    u, v = expected_position(prob)
    z = (prob * depth.float()).flatten(2).sum(-1)
    conf = prob.flatten(2).amax(dim=-1)
    return torch.stack((u, v, z, conf), dim=-1).view(b, 2, NUM_JOINTS, 4).to(logits.dtype)
