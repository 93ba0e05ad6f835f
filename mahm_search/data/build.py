"""DataSpec -> (train, val) torch Datasets. Train applies crop augmentation; val never does."""

from __future__ import annotations

from typing import Tuple

from torch.utils.data import Dataset

import warnings

from ..errors import ConfigError
from ..hands.spec import ManoSpec
from .spec import DataSpec

DEFAULT_IMAGE_SIZE = 128  # when neither data.image_size nor arch.input_size filled it in


def build_datasets(data: DataSpec, mano: ManoSpec = ManoSpec()) -> Tuple[Dataset, Dataset]:
    size = data.image_size or DEFAULT_IMAGE_SIZE
    if data.source not in ("synthetic", "interhand"):
        from .plugins.dataset import PluginDataset

        return (PluginDataset(data.source, "train", size, data.args),
                PluginDataset(data.source, "val", size, data.args))
    if data.source == "interhand":
        from .interhand.interhand import InterHandDataset

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


class GeneratedManoWarning(UserWarning):
    """Real data trained with the generated MANO stand-in: its meshes (vertex loss, MPVPE) are wrong."""


def check_real_mano(data: DataSpec, mano: ManoSpec) -> None:
    """Training on InterHand2.6M: its MANO parameters need the real model. Refuse the generated stand-in
    unless mano.generated says to use it anyway (then warn). The datasets themselves need no MANO."""
    if data.source != "interhand":
        return
    from ..hands.layer import given_mano_dir

    if given_mano_dir(mano) is not None:
        return
    if not mano.generated:
        raise ConfigError(["mano.dir: InterHand2.6M needs the real MANO model (its MANO parameters make wrong "
                           "meshes on the generated stand-in): put MANO_RIGHT.npz and MANO_LEFT.npz (`mahm-search "
                           "mano convert` makes them from the official files) in a folder and set mano.dir or "
                           "$MAHM_MANO_DIR, or set mano: {generated: true} to use the stand-in anyway"])
    warnings.warn("mano.generated: InterHand2.6M with the generated MANO stand-in: its meshes, the vertex loss "
                  "and MPVPE are wrong (joints are not)", GeneratedManoWarning, stacklevel=2)
