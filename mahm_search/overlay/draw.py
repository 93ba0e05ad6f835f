"""Drawing placed hands (meshes.py) with the project's z-buffer renderer (data/render.py): a
semi-transparent overlay on the image, and an opaque side view, right and left in the preview's colours.

The renderer wants camera-frame points and intrinsics. A screen point (u, v, depth) becomes the camera
point (u z / F, v z / F, z) with z = F + depth and K = diag(F, F, 1): it projects exactly onto (u, v)
whatever its depth, and for a large F its 3D shape (for the shading) and depth order are the screen's.
"""

from __future__ import annotations

from typing import Sequence, Tuple

import cv2
import numpy as np

from ..data.preview import HAND_COLOURS
from ..data.render import render_batch

F = 1.0e4  # virtual focal length and distance, pixels
ALPHA = 0.7  # overlay opacity
AMBIENT = 0.4
LIGHT = (0.35, -0.45, -1.0)  # from the hands toward the light: above, right, in front
BACKGROUND = 238  # side view panel grey
SIDE_ANGLE_DEG = 90.0  # the side view turns the pair about the vertical axis by this much


def render_hands(size: Tuple[int, int], screen: np.ndarray, faces: np.ndarray, present: Sequence[bool]) -> tuple:
    """screen (2, V, 3) u, v, depth; faces (2, F, 3) wound outward -> (RGB layer (H, W, 3) uint8, mask (H, W))."""
    h, w = size
    hands = [k for k in range(2) if present[k]]
    if not hands:
        return np.zeros((h, w, 3), np.uint8), np.zeros((h, w), bool)
    verts, tris, albedo, start = [], [], [], 0
    for k in hands:
        u, v, depth = screen[k, :, 0] - 0.5, screen[k, :, 1] - 0.5, screen[k, :, 2]  # pixel centres at integers
        z = F + depth
        verts.append(np.stack([u * z / F, v * z / F, z], -1))
        tris.append(faces[k] + start)
        albedo.append(np.broadcast_to(np.asarray(HAND_COLOURS[k], np.float64), (len(faces[k]), 3)))
        start += len(screen[k])
    verts, tris, albedo = np.concatenate(verts), np.concatenate(tris), np.concatenate(albedo)
    canvas = np.zeros((2, h, w, 3), np.uint8)
    K = np.diag([F, F, 1.0])
    # two images in one call: the shaded hands, and in white at full ambient their coverage mask
    render_batch(canvas, np.stack([verts, verts]), tris, np.stack([K, K]), np.stack([albedo, np.full_like(albedo, 255)]),
                 np.asarray([LIGHT, LIGHT]), np.asarray([AMBIENT, 1.0]))
    return canvas[0], canvas[1, ..., 0] > 0


def overlay(image: np.ndarray, screen: np.ndarray, faces: np.ndarray, present: Sequence[bool]) -> np.ndarray:
    """The hands over a copy of an RGB image, ALPHA-blended."""
    layer, mask = render_hands(image.shape[:2], screen, faces, present)
    out = image.copy()
    out[mask] = np.rint((1 - ALPHA) * image[mask] + ALPHA * layer[mask]).astype(np.uint8)
    return out


def side_view(world: np.ndarray, faces: np.ndarray, present: Sequence[bool], size: int) -> np.ndarray:
    """Both hands (2, V, 3) mm seen from the side (turned about the vertical axis), fitted in a square."""
    panel = np.full((size, size, 3), BACKGROUND, np.uint8)
    shown = [k for k in range(2) if present[k]]
    if not shown:
        return panel
    a = np.deg2rad(SIDE_ANGLE_DEG)
    turn = np.array([[np.cos(a), 0.0, np.sin(a)], [0.0, 1.0, 0.0], [-np.sin(a), 0.0, np.cos(a)]])
    points = world @ turn.T
    seen = points[shown].reshape(-1, 3)
    lo, hi = seen.min(0), seen.max(0)
    scale = 0.85 * size / max(float((hi - lo)[:2].max()), 1e-6)
    centre = (lo + hi) / 2
    screen = (points - centre) * scale + np.array([size / 2, size / 2, 0.0])
    layer, mask = render_hands((size, size), screen, faces, present)
    panel[mask] = layer[mask]
    return panel


def label(panel: np.ndarray, text: str) -> np.ndarray:
    """A small caption in the top-left corner, dark on a light box, readable on any image."""
    out = panel.copy()
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)
    cv2.rectangle(out, (0, 0), (w + 8, h + base + 6), (255, 255, 255), -1)
    cv2.putText(out, text, (4, h + 3), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return out


def row(panels: Sequence[np.ndarray], gap: int = 4) -> np.ndarray:
    """Panels of one height side by side on white."""
    h = panels[0].shape[0]
    strip = np.full((h, sum(p.shape[1] for p in panels) + gap * (len(panels) - 1), 3), 255, np.uint8)
    x = 0
    for p in panels:
        strip[:, x:x + p.shape[1]] = p
        x += p.shape[1] + gap
    return strip
