"""data.source: a plug-in dataset, behind the interface the trainer reads from the built-in sources.

Contract: a callable (split 'train' | 'val', image_size, **data.args) -> a sized, indexable collection
whose item i is a *raw* sample (data/sample.py): numpy arrays (or lists) with `image` the RGB uint8
(image_size, image_size, 3) crop, `joints_3d` (2,21,3) mm, `joints_2d` (2,21,2) crop pixels, `mano_pose`
(2,48), `mano_shape` (2,10), `hand_valid` (2,), `joint_valid` (2,21), `mano_valid` (2,), `K` (3,3), and
optionally `hand_type` (2,). Hand 0 right, hand 1 left; a hand the sample lacks has hand_valid,
joint_valid and mano_valid 0 and finite (e.g. zero) values. `root_rel` is derived here. No crop
augmentation is applied: a plug-in augments itself if it wants to. The first sample of each split is
checked when the dataset is built; a broken rule is one line naming the plug-in.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np
from torch.utils.data import Dataset

from ...errors import ConfigError
from ...plugins.kinds import DATASETS
from ...plugins.registry import PluginError
from ..sample import to_sample

SHAPES = {"joints_3d": (2, 21, 3), "joints_2d": (2, 21, 2), "mano_pose": (2, 48), "mano_shape": (2, 10),
          "hand_valid": (2,), "joint_valid": (2, 21), "mano_valid": (2,), "K": (3, 3)}
OPTIONAL_SHAPES = {"hand_type": (2,)}


def contract_error(name: str, rule: str) -> ConfigError:
    return ConfigError([f"data.source: plug-in {name!r} breaks the dataset contract: {rule}"])


def raw_problem(raw: Any, image_size: int) -> Optional[str]:
    """What breaks the raw-sample contract in `raw`, or None."""
    if not isinstance(raw, dict):
        return f"an item is {type(raw).__name__}, expected a dict of arrays (the raw sample of data/sample.py)"
    missing = [k for k in ("image", *SHAPES) if k not in raw]
    if missing:
        return f"a sample lacks {', '.join(missing)}"
    image = np.asarray(raw["image"])
    if image.dtype != np.uint8 or image.shape != (image_size, image_size, 3):
        return (f"image is {image.dtype} {image.shape}, expected RGB uint8 ({image_size}, {image_size}, 3) "
                f"(data.image_size)")
    for key, shape in {**SHAPES, **{k: v for k, v in OPTIONAL_SHAPES.items() if k in raw}}.items():
        value = np.asarray(raw[key], dtype=np.float32)
        if value.shape != shape:
            return f"{key} has shape {value.shape}, expected {shape}"
        if not np.isfinite(value).all():
            return f"{key} holds NaN or inf (give a missing hand zeros and mask it with hand_valid/joint_valid/mano_valid)"
    return None


class PluginDataset(Dataset):
    """A plug-in's raw samples as the torch sample dicts (and compact training samples) of data/sample.py."""

    def __init__(self, name: str, split: str, image_size: int, args: Dict[str, Any]):
        try:
            factory = DATASETS.get(name)
        except PluginError as err:
            raise ConfigError([str(err)]) from None
        try:
            self.items = factory(split=split, image_size=image_size, **args)
            n = len(self.items)
            first = self.items[0] if n else None
        except Exception as err:  # the plug-in's own code
            raise contract_error(name, f"building its {split} split with data.args {args} failed "
                                       f"({type(err).__name__}: {err})") from None
        if n == 0:
            raise contract_error(name, f"its {split} split holds no sample")
        problem = raw_problem(first, image_size)
        if problem is not None:
            raise contract_error(name, f"{split} sample 0: {problem}")
        self.name, self.split = name, split

    def __len__(self) -> int:
        return len(self.items)

    def raw_sample(self, i: int) -> Dict[str, Any]:
        return self.items[i]

    def draw(self, i: int, rng=None, compact: bool = False):
        return to_sample(self.items[i], compact=compact)

    def __getitem__(self, i: int):
        return self.draw(i)
