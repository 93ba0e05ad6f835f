"""Backgrounds for synthetic images: a random vertical gradient, optionally with clutter shapes on it."""

from __future__ import annotations

import cv2
import numpy as np


def gradient(size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, size, 3) uint8 RGB: a blend between two random muted colours, top to bottom."""
    top, bottom = rng.uniform(20, 235, 3), rng.uniform(20, 235, 3)
    t = np.linspace(0.0, 1.0, size)[:, None, None]
    column = top * (1 - t) + bottom * t
    return np.ascontiguousarray(np.broadcast_to(column, (size, size, 3))).astype(np.uint8)


def add_clutter(canvas: np.ndarray, rng: np.random.Generator, count: int = 12) -> np.ndarray:
    """Random filled circles, rectangles and thick lines (distractors), drawn in place."""
    size = canvas.shape[0]
    for _ in range(int(rng.integers(count // 2, count + 1))):
        colour = rng.uniform(0, 255, 3).tolist()
        x, y = (int(v) for v in rng.integers(0, size, 2))
        r = int(rng.integers(size // 20 + 1, size // 5 + 2))
        kind = rng.integers(3)
        if kind == 0:
            cv2.circle(canvas, (x, y), r, colour, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.rectangle(canvas, (x - r, y - r // 2), (x + r, y + r // 2), colour, -1)
        else:
            x2, y2 = (int(v) for v in rng.integers(0, size, 2))
            cv2.line(canvas, (x, y), (x2, y2), colour, max(1, r // 4), cv2.LINE_AA)
    return canvas


def background(size: int, rng: np.random.Generator, clutter: bool) -> np.ndarray:
    canvas = gradient(size, rng)
    return add_clutter(canvas, rng) if clutter else canvas
