"""Painter's-algorithm rendering of both hands' meshes with OpenCV: Lambert-shaded flat triangles.

Back faces are culled (the faces are wound outward), the remaining triangles of both hands are sorted
far-to-near by mean depth and filled with cv2.fillConvexPoly at 1/16-pixel precision. Drawing is the
only per-triangle Python loop; everything else is vectorised numpy.
"""

from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

SUBPIXEL_BITS = 4  # cv2 'shift': vertex coordinates in 1/16 pixel


def project(points: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(..., 3) camera mm -> (..., 2) pixels with intrinsics K."""
    uvw = points @ K.T
    return uvw[..., :2] / np.maximum(uvw[..., 2:], 1e-6)


def face_albedo(vertices: np.ndarray, faces: np.ndarray, skin: np.ndarray,
                texture_rng: Optional[np.random.Generator]) -> np.ndarray:
    """(F, 3) RGB albedo per face: the skin tone, or with a texture a smooth blotchy pattern on it."""
    albedo = np.broadcast_to(skin, (len(faces), 3)).astype(np.float64)
    if texture_rng is None:
        return albedo
    centers = vertices[faces].mean(1)
    freq = texture_rng.normal(0, 0.12, (3, 3))  # cycles per mm, three random plane waves
    phase = texture_rng.uniform(0, 2 * np.pi, 3)
    wave = np.sin(centers @ freq.T + phase).mean(1)
    speckle = texture_rng.uniform(-0.06, 0.06, len(faces))
    tint = texture_rng.uniform(0.85, 1.1, 3)
    return albedo * (1 + 0.25 * wave + speckle)[:, None] * np.where(wave[:, None] > 0.3, tint, 1.0)


def render_meshes(canvas: np.ndarray, vertices: np.ndarray, faces: np.ndarray, K: np.ndarray,
                  albedo: np.ndarray, light: np.ndarray, ambient: float) -> np.ndarray:
    """Draw a mesh (V, 3) camera mm with faces (F, 3) onto canvas (H, W, 3) uint8 RGB, in place.

    Several hands: concatenate their vertices and offset faces first, so one depth sort covers all.
    """
    tri = vertices[faces]  # (F, 3, 3)
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    front = np.einsum("fk,fk->f", normal, tri[:, 0]) < 0  # normal points at the camera (at the origin)
    front &= tri[:, :, 2].min(1) > 1.0  # drop faces behind or at the camera
    tri, normal, albedo = tri[front], normal[front], albedo[front]
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
    light = light / np.linalg.norm(light)
    lambert = np.clip(normal @ light, 0, None)  # `light` points from the hands toward the light
    colour = np.clip(albedo * (ambient + (1 - ambient) * lambert)[:, None], 0, 255)
    pts = np.rint(project(tri, K) * (1 << SUBPIXEL_BITS)).astype(np.int32)
    order = np.argsort(-tri[:, :, 2].mean(1), kind="stable")  # far first, near last (painter's)
    for p, c in zip(pts[order], colour[order].tolist()):
        cv2.fillConvexPoly(canvas, p, c, cv2.LINE_8, SUBPIXEL_BITS)
    return canvas
