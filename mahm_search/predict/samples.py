"""The samples to predict: a whole InterHand2.6M split, every image id `mahm-search evaluate` scores
(frames without MANO fits included: they are scored on joints only, as the official code does), or a
split of the built-in synthetic data (ids = sample indices). Never augmented."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from torch.utils.data import Dataset

from ..config import TrialConfig
from ..errors import ConfigError

SYNTHETIC_SPLITS = ("train", "val")
INTERHAND_SPLITS = ("train", "val", "test")


@dataclass
class PredictionSet:
    dataset: Dataset
    ids: np.ndarray  # (N,) int64, in dataset order
    description: str  # e.g. "InterHand2.6M test (8 samples)"


def prediction_set(config: TrialConfig, interhand_root: Optional[Path], split: Optional[str]) -> PredictionSet:
    """InterHand2.6M when a root is given or the checkpoint trained on it (its root), else synthetic."""
    size = config.data.image_size or config.arch.input_size
    if interhand_root is None and config.data.source == "interhand" and config.data.interhand is not None:
        interhand_root = config.data.interhand.root
    if interhand_root is not None:
        from ..data.interhand.interhand import InterHandDataset
        from ..data.spec import InterHandSpec

        split = split or "test"
        if split not in INTERHAND_SPLITS:
            raise ConfigError([f"--split: expected one of {', '.join(INTERHAND_SPLITS)} for InterHand2.6M, got '{split}'"])
        # the selection `evaluate` scores (metrics/official_eval.py): every annotated sample of the split
        spec = InterHandSpec(root=Path(interhand_root), hand_type="all")
        ds = InterHandDataset(spec, split, size, config.data.crop, augment=False, require_mano=False)
        return PredictionSet(ds, ds.sample_ids.astype(np.int64), f"InterHand2.6M {split} ({len(ds)} samples)")
    split = split or "val"
    if split not in SYNTHETIC_SPLITS:
        raise ConfigError([f"--split: the synthetic data has splits {', '.join(SYNTHETIC_SPLITS)}, got '{split}' "
                           "(give --interhand-root for InterHand2.6M's test split)"])
    from ..data.synthetic import SyntheticDataset
    from ..hands.layer import TwoHandMANO

    ds = SyntheticDataset(config.data.synthetic, split, size, TwoHandMANO(config.mano), config.data.crop, augment=False)
    return PredictionSet(ds, np.arange(len(ds), dtype=np.int64), f"synthetic {split} ({len(ds)} samples)")
