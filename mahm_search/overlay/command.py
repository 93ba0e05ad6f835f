"""`mahm-search render CHECKPOINT [IMAGE...] [--boxes boxes.json | --interhand-root DIR --split S --n N |
--synthetic --n N] --out DIR`: a trained network's two hands over each image (overlays.py)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

from ..errors import ConfigError


def render_command(checkpoint: Path, images: Sequence[Path], out: Path, boxes: Optional[Path] = None,
                   interhand_root: Optional[Path] = None, split: str = "test", n: int = 8,
                   synthetic: bool = False, truth: bool = False) -> List[Path]:
    """Check the inputs, load the network, crop, predict and write one PNG per image. Every input is
    read and checked before the first file is written."""
    sources = [name for name, given in (("IMAGE", bool(images)), ("--interhand-root", interhand_root is not None),
                                        ("--synthetic", synthetic)) if given]
    if len(sources) != 1:
        raise ConfigError([f"render: expected images, --interhand-root DIR or --synthetic (one of them), "
                           f"got {' and '.join(sources) or 'none'}"])
    if boxes is not None and not images:
        raise ConfigError(["--boxes: boxes are for image files; a split is cropped by its own annotations"])
    if truth and images:
        raise ConfigError(["--truth: image files have no ground truth (expected --interhand-root or --synthetic)"])
    if Path(out).exists() and not Path(out).is_dir():
        raise ConfigError([f"--out: {out} is a file, expected a folder"])
    from .inputs import image_samples, interhand_samples, read_images, synthetic_samples
    from ..predict.checkpoint_model import load_trained_model
    from .overlays import draw_overlays

    if images:  # the cheap checks first, before the network is built
        pictures, squares = read_images(images, boxes)
    trained = load_trained_model(checkpoint)
    model, config = trained.model, trained.config
    if images:
        samples, names = image_samples(images, pictures, squares, config)
    elif synthetic:
        samples, names = synthetic_samples(n, config)
    else:
        samples, names = interhand_samples(Path(interhand_root), split, n, config)
    return draw_overlays(model, samples, out, names=names, truth=truth, title=f"{Path(checkpoint).name}: ")
