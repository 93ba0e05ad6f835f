"""The samples `mahm-search render` draws: image files cropped by their boxes, or the first n samples of
a split (InterHand2.6M, cropped by its annotations; the built-in synthetic data). Each sample carries the
network's input crop (`image`) and the same crop at the display size (`display`)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..data.crop import crop_affine, crop_sample, frame_box
from ..data.interhand.interhand_files import read_rgb
from ..data.sample import normalize_image, to_sample
from .boxes import read_boxes
from .overlays import DISPLAY


def read_images(images: Sequence[Path], boxes: Optional[Path]) -> Tuple[list, Optional[list]]:
    """Every image read and every box checked (before the network is built): a bad one is one DataError.
    Returns the RGB pictures and each one's box (centre, side) or None."""
    pictures = [read_rgb(Path(p)) for p in images]
    return pictures, read_boxes(boxes, images) if boxes is not None else None


def image_samples(images: Sequence[Path], pictures: list, boxes: Optional[list], config) -> Tuple[List[dict], List[str]]:
    """The pictures cropped by their boxes, widened by data.crop.scale as in training."""
    if boxes is not None:
        squares = [(c, s * config.data.crop.scale) for c, s in boxes]
    else:  # no box: the whole picture, letterboxed (as data.crop.enabled: false)
        squares = [frame_box((p.shape[1], p.shape[0])) for p in pictures]
    samples = []
    for picture, (centre, side) in zip(pictures, squares):
        samples.append({"image": normalize_image(_crop(picture, centre, side, config.arch.input_size)),
                        "display": _crop(picture, centre, side, DISPLAY)})
    return samples, _stems(images)


def _crop(picture: np.ndarray, centre: np.ndarray, side: float, size: int) -> np.ndarray:
    area = side > 2 * size  # shrinking a lot: average, do not skip pixels
    return cv2.warpAffine(picture, crop_affine(centre, side, size), (size, size),
                          flags=cv2.INTER_AREA if area else cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _stems(images: Sequence[Path]) -> List[str]:
    stems = [Path(p).stem for p in images]
    return [s if stems.count(s) == 1 else f"{k:03d}_{s}" for k, s in enumerate(stems)]


def interhand_samples(root: Path, split: str, n: int, config) -> Tuple[List[dict], List[str]]:
    """The first n (evenly spaced) samples of an InterHand2.6M split with MANO fits, cropped by their
    annotated joints as in evaluation."""
    from ..data.interhand.interhand import InterHandDataset
    from ..data.spec import InterHandSpec

    spec = InterHandSpec(root=root, hand_type="all")
    dataset = InterHandDataset(spec, split, config.arch.input_size, config.data.crop, limit=n)
    samples = []
    for i in range(len(dataset)):
        raw = dataset.raw_sample(i)
        sample = to_sample(crop_sample(raw, config.data.crop, config.arch.input_size))
        sample["display"] = crop_sample(raw, config.data.crop, DISPLAY)["image"]
        samples.append(sample)
    return samples, [f"interhand_{split}_{i}" for i in dataset.sample_ids]


def synthetic_samples(n: int, config) -> Tuple[List[dict], List[str]]:
    """The first n validation samples of the checkpoint's own synthetic data, with the same scenes
    rendered at the display size."""
    from ..data.build import build_datasets

    data = config.data.model_copy(update={"synthetic": config.data.synthetic.model_copy(update={"n_val": n})})
    val = build_datasets(data, config.mano)[1]
    big = build_datasets(data.model_copy(update={"image_size": DISPLAY}), config.mano)[1]
    samples = []
    for i in range(n):
        sample = val[i]
        sample["display"] = big.raw_sample(i)["image"]
        samples.append(sample)
    return samples, [f"synthetic_val_{i:04d}" for i in range(n)]
