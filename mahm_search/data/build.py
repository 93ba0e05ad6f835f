"""DataSpec -> (train, val) torch Datasets. Train applies crop augmentation; val never does."""

from __future__ import annotations

from typing import Tuple

from torch.utils.data import Dataset

from ..hands.spec import ManoSpec
from .spec import DataSpec

DEFAULT_IMAGE_SIZE = 128  # when neither data.image_size nor arch.input_size filled it in


def build_datasets(data: DataSpec, mano: ManoSpec = ManoSpec()) -> Tuple[Dataset, Dataset]:
    size = data.image_size or DEFAULT_IMAGE_SIZE
    if data.source == "interhand":
        from .interhand import InterHandDataset

        ih = data.interhand
        train = InterHandDataset(ih, ih.train_split, size, data.crop, augment=True, limit=ih.max_train)
        val = InterHandDataset(ih, ih.val_split, size, data.crop, augment=False, limit=ih.max_val)
        return train, val
    from ..hands.layer import TwoHandMANO
    from .synthetic import SyntheticDataset

    layer = TwoHandMANO(mano)  # one model shared by both splits
    train = SyntheticDataset(data.synthetic, "train", size, layer, data.crop, augment=True)
    val = SyntheticDataset(data.synthetic, "val", size, layer, data.crop, augment=False)
    return train, val
