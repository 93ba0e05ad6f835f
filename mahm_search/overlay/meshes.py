"""Both hands' meshes placed for drawing: in screen space (u, v in pixels of the displayed crop, depth in
the same pixels, larger = farther) for the overlay, and in millimetres (left hand at the right wrist
plus root_rel) for the side view.

A prediction is weak-perspective per hand (model/camera.py): pixel = (s * X / JOINT_SCALE_MM + t + 1) /
2 * size, so one hand is k = s * size / (2 * JOINT_SCALE_MM) pixels per mm, and its depth is drawn at
that same scale; the hands' order in depth comes from root_rel. Ground truth is a real perspective
camera (the crop's K), projected exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..hands.joints import ROOT
from ..model.camera import JOINT_SCALE_MM


@dataclass
class PlacedHands:
    screen: np.ndarray  # (N, 2, V, 3) u, v, depth in display pixels
    world: np.ndarray  # (N, 2, V, 3) mm, right wrist at the origin
    present: np.ndarray  # (N, 2) bool: the hands to draw


def from_prediction(vertices: np.ndarray, cam: np.ndarray, root_rel: np.ndarray, display_size: int) -> PlacedHands:
    """A stage's vertices (N,2,V,3) mm relative to each hand's wrist, cam (N,2,3), root_rel (N,3) mm
    (cam is in [-1, 1] crop units, so the network's input size plays no part)."""
    vertices, cam, root_rel = (np.asarray(a, np.float64) for a in (vertices, cam, root_rel))
    s, t = cam[..., 0], cam[..., 1:]
    uv = (s[..., None, None] * vertices[..., :2] / JOINT_SCALE_MM + t[:, :, None, :] + 1.0) * (display_size / 2.0)
    offset = np.stack([np.zeros_like(root_rel), root_rel], 1)  # (N, 2, 3): left wrist at root_rel
    k = s * display_size / (2.0 * JOINT_SCALE_MM)
    depth = k[..., None] * (vertices[..., 2] + offset[:, :, None, 2])
    world = vertices + offset[:, :, None, :]
    return PlacedHands(np.concatenate([uv, depth[..., None]], -1), world, np.ones(s.shape, bool))


def from_camera(vertices: np.ndarray, joints_3d: np.ndarray, K: np.ndarray, present: np.ndarray,
                input_size: int, display_size: int) -> PlacedHands:
    """Ground truth: root-relative vertices (N,2,V,3) mm, camera-frame joints_3d (N,2,21,3) mm, the crop's
    intrinsics K (N,3,3) at input_size; present (N,2) the hands with a valid fit and root."""
    vertices, joints_3d, K = (np.asarray(a, np.float64) for a in (vertices, joints_3d, K))
    cam = vertices + joints_3d[:, :, ROOT:ROOT + 1]
    uvw = np.einsum("nij,nhvj->nhvi", K, cam)
    zoom = display_size / input_size
    uv = uvw[..., :2] / np.maximum(uvw[..., 2:], 1e-6) * zoom
    ref = joints_3d[:, :, ROOT, 2].mean(1)[:, None, None]  # mean wrist depth
    depth = (cam[..., 2] - ref) * (K[:, 0, 0] * zoom)[:, None, None] / np.maximum(ref, 1e-6)
    world = cam - joints_3d[:, :1, ROOT:ROOT + 1]
    return PlacedHands(np.concatenate([uv, depth[..., None]], -1), world, np.asarray(present, bool))
