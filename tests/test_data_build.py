"""build_datasets, dummy_batch, sample normalisation and the preview command."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from mahm_search.data.build import build_datasets
from mahm_search.data.dummy import dummy_batch
from mahm_search.data.preview import preview_command
from mahm_search.data.sample import denormalize, normalize_image
from mahm_search.data.spec import CropSpec, DataSpec, InterHandSpec
from mahm_search.errors import DataError

from support.interhand_fixture import write_fixture


def test_normalize_round_trip():
    rgb = np.random.default_rng(0).integers(0, 256, (8, 9, 3), dtype=np.uint8)
    assert np.array_equal(denormalize(normalize_image(rgb)), rgb)
    assert np.array_equal(denormalize(normalize_image(rgb)[None])[0], rgb)


def test_interhand_build_collates_like_dummy_batch(tmp_path):
    write_fixture(tmp_path)
    spec = DataSpec(source="interhand", image_size=64, crop=CropSpec(rotation_deg=20),
                    interhand=InterHandSpec(root=tmp_path, train_split="val", val_split="val", max_val=3))
    train, val = build_datasets(spec)
    assert len(train) == 4 and len(val) == 3
    batch = next(iter(DataLoader(val, batch_size=2)))
    dummy = dummy_batch(2, 64)
    assert set(batch) == set(dummy)
    for k in dummy:
        assert batch[k].shape == dummy[k].shape and batch[k].dtype == dummy[k].dtype, k
    # val is never augmented: the same sample twice gives the same tensors
    assert torch.equal(val[0]["joints_2d"], val[0]["joints_2d"])
    torch.manual_seed(0)
    a = train[0]["joints_2d"]
    assert not torch.equal(a, train[0]["joints_2d"])  # train rotation augmentation draws anew


def test_preview_interhand_writes_png(tmp_path):
    write_fixture(tmp_path)
    path = preview_command("interhand", tmp_path, "val", 4, 64, 0, tmp_path / "out")
    img = cv2.imread(str(path))
    assert img is not None and img.shape[1] > 4 * 64


def test_preview_interhand_needs_root(tmp_path):
    with pytest.raises(DataError, match="--root"):
        preview_command("interhand", None, "val", 4, 64, 0, tmp_path)
