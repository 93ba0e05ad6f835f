"""Heatmap branch: a deconv head from the backbone's feature map to 42 joint heatmaps.

Channel c = hand * 21 + joint (hand 0 right, InterHand joint order). The maps are regressed towards
Gaussians of peak 1 (train/loss/heatmap_targets.py); heatmap pixel i covers image pixels
[i, i+1) * input_size / heatmap_size. With `heatmap: feed`, a soft-argmax turns them into per-joint
features (u, v in [-1, 1] crop coordinates, confidence = the map's peak) that enter every MAHM stage.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...hands.joints import NUM_JOINTS

SOFTARGMAX_BETA = 20.0  # sharpens peak-1 maps before the spatial softmax (a peak of 1 vs a 0 floor)
FEED_FEATURES_PER_HAND = NUM_JOINTS * 3  # (u, v, confidence) per joint


class HeatmapHead(nn.Module):
    """Feature map (B,C,h,w) -> heatmaps (B,42,size,size) by x2 deconvolutions, then exact resize."""

    def __init__(self, in_channels: int, feature_stride: int, input_size: int, heatmap_size: int,
                 channels: int):
        super().__init__()
        self.heatmap_size = heatmap_size
        feat_size = max(1, input_size // feature_stride)
        n_up = max(0, math.ceil(math.log2(max(heatmap_size / feat_size, 1.0))))
        layers: list[nn.Module] = []
        cin = in_channels
        for _ in range(n_up):
            layers += [nn.ConvTranspose2d(cin, channels, 4, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]
            cin = channels
        self.up = nn.Sequential(*layers)
        self.out = nn.Conv2d(cin, 2 * NUM_JOINTS, 1)
        nn.init.normal_(self.out.weight, std=1e-3)
        nn.init.zeros_(self.out.bias)

    def forward(self, feature_map: torch.Tensor) -> torch.Tensor:
        maps = self.out(self.up(feature_map))
        if maps.shape[-1] != self.heatmap_size or maps.shape[-2] != self.heatmap_size:
            maps = F.interpolate(maps, size=(self.heatmap_size, self.heatmap_size), mode="bilinear",
                                 align_corners=False)
        return maps


def heatmap_joint_features(heatmaps: torch.Tensor) -> torch.Tensor:
    """(B,42,h,w) -> (B,2,63): per hand, per joint (u, v) soft-argmax in [-1, 1] and the peak value."""
    b, c, h, w = heatmaps.shape
    flat = heatmaps.float().reshape(b, c, h * w)
    prob = torch.softmax(flat * SOFTARGMAX_BETA, dim=-1).reshape(b, c, h, w)
    u, v = expected_position(prob)
    conf = flat.amax(dim=-1).clamp(0.0, 1.0)
    feats = torch.stack((u, v, conf), dim=-1)  # (B,42,3)
    return feats.reshape(b, 2, NUM_JOINTS * 3).to(heatmaps.dtype)


def expected_position(prob: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B,C,h,w) probability maps -> u, v (B,C): the expected pixel centre in [-1, 1] crop coordinates."""
    h, w = prob.shape[-2:]
    xs = (torch.arange(w, device=prob.device, dtype=prob.dtype) + 0.5) / w * 2 - 1
    ys = (torch.arange(h, device=prob.device, dtype=prob.dtype) + 0.5) / h * 2 - 1
    return (prob.sum(dim=2) * xs).sum(-1), (prob.sum(dim=3) * ys).sum(-1)
