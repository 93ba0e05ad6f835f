"""`mahm-search data preview`: a PNG grid of samples with each hand's 2D skeleton drawn over it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from ..errors import DataError
from ..hands.joints import SKELETON
from .sample import denormalize
from .spec import DataSpec, InterHandSpec, SyntheticSpec

HAND_COLOURS = ((255, 60, 60), (40, 110, 255))  # RGB: right hand red, left hand blue
LEGEND = ("right", "left")
TILE = 256  # pixels per grid tile


def draw_skeletons(rgb: np.ndarray, joints_2d: np.ndarray, joint_valid: np.ndarray) -> np.ndarray:
    """Bones and joints of both hands on a copy of an RGB uint8 image, one colour per hand."""
    zoom = max(1.0, TILE / rgb.shape[0])  # draw on an enlarged copy so thin bones stay readable
    out = cv2.resize(rgb, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
    joints_2d = joints_2d * zoom
    scale = max(1, out.shape[0] // 200)
    for h, colour in enumerate(HAND_COLOURS):
        pts = [(int(round(u)), int(round(v))) for u, v in joints_2d[h]]
        for a, b in SKELETON:
            if joint_valid[h, a] and joint_valid[h, b]:
                cv2.line(out, pts[a], pts[b], colour, scale, cv2.LINE_AA)
        for j, p in enumerate(pts):
            if joint_valid[h, j]:
                cv2.circle(out, p, scale + 2, (255, 255, 255), -1, cv2.LINE_AA)
                cv2.circle(out, p, scale + 1, colour, -1, cv2.LINE_AA)
    return out


def grid(tiles: list, columns: int) -> np.ndarray:
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // columns)
    canvas = np.full((rows * (h + 4) + 4, columns * (w + 4) + 4, 3), 255, np.uint8)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        canvas[4 + r * (h + 4):4 + r * (h + 4) + h, 4 + c * (w + 4):4 + c * (w + 4) + w] = tile
    return canvas


def with_legend(canvas: np.ndarray, title: str) -> np.ndarray:
    band = np.full((28, canvas.shape[1], 3), 255, np.uint8)
    cv2.putText(band, title, (6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    x = max(band.shape[1] - 150, 6 + 8 * len(title))
    for name, colour in zip(LEGEND, HAND_COLOURS):
        cv2.circle(band, (x, 14), 5, colour, -1, cv2.LINE_AA)
        cv2.putText(band, name, (x + 9, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
        x += 70
    return np.vstack([band, canvas])


def preview_command(source: str, root: Optional[Path], split: str, n: int, image_size: int, seed: int,
                    out: Path) -> Path:
    from .build import build_datasets

    if source == "interhand":
        if root is None:
            raise DataError("--root: InterHand2.6M preview needs --root (the folder with images/ and annotations/)")
        spec = DataSpec(source="interhand", image_size=image_size,
                        interhand=InterHandSpec(root=root, train_split=split, val_split=split, max_val=n))
    else:
        spec = DataSpec(image_size=image_size,
                        synthetic=SyntheticSpec(seed=seed, n_train=n, n_val=n, texture=False, clutter=False))
    # InterHand: the requested split sits on the val side (never augmented); synthetic: its own split.
    dataset = build_datasets(spec)[0 if source == "synthetic" and split == "train" else 1]
    if len(dataset) == 0:
        raise DataError(f"{root}: no {split} samples to preview (skipped: {getattr(dataset, 'skipped', {})})")
    tiles = []
    for i in range(min(n, len(dataset))):
        s = dataset[i]
        tiles.append(draw_skeletons(denormalize(s["image"]), s["joints_2d"].numpy(), s["joint_valid"].numpy()))
    canvas = with_legend(grid(tiles, columns=min(len(tiles), 8)), f"{source} {split} ({image_size}px)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"preview_{source}_{split}.png"
    if not cv2.imwrite(str(path), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR)):
        raise DataError(f"{path}: could not write the preview image")
    print(f"wrote {path}")
    return path
