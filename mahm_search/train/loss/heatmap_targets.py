"""Gaussian 2D-joint heatmap targets for the auxiliary heatmap loss."""

from __future__ import annotations

import torch


def gaussian_heatmaps(joints_2d: torch.Tensor, image_size: int, heatmap_size: tuple[int, int],
                      sigma: float | None = None) -> torch.Tensor:
    """(B,2,21,2) crop pixels -> (B,42,h,w) Gaussians (peak 1) in the heatmap's pixel grid.

    Channel order matches the model's heatmaps: hand 0's 21 joints, then hand 1's. sigma defaults to
    2 heatmap pixels at h=64, scaled with h (at least 1 pixel).
    """
    h, w = heatmap_size
    if sigma is None:
        sigma = max(1.0, 2.0 * h / 64)
    b = joints_2d.shape[0]
    # Pixel centres: pixel i of the heatmap covers image pixels [i, i+1) * image_size / size.
    pts = joints_2d.reshape(b, -1, 2).float()
    x = pts[..., 0] * (w / image_size) - 0.5
    y = pts[..., 1] * (h / image_size) - 0.5
    xs = torch.arange(w, device=joints_2d.device, dtype=torch.float32)
    ys = torch.arange(h, device=joints_2d.device, dtype=torch.float32)
    gx = torch.exp(-((xs[None, None, :] - x[..., None]) ** 2) / (2 * sigma**2))  # (B,42,w)
    gy = torch.exp(-((ys[None, None, :] - y[..., None]) ** 2) / (2 * sigma**2))  # (B,42,h)
    return gy[..., :, None] * gx[..., None, :]
