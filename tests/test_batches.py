"""Training batches: the same tensors for any DataLoader worker count and after a resume, and how
data.num_workers 'auto' picks a count."""

from __future__ import annotations

import pickle

import pytest
import torch

from mahm_search.data.spec import CropSpec, DataSpec, SyntheticSpec
from mahm_search.data.synthetic import SyntheticDataset
from mahm_search.hands.layer import TwoHandMANO
from mahm_search.train.batches import CPUS_ENV, draw_rng, loader_workers, train_batches, val_batches
from mahm_search.train.step.step import to_device

AUGMENTED = CropSpec(jitter=0.1, rotation_deg=30, scale_aug=0.2)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    spec = SyntheticSpec(n_train=24, n_val=4, cache_dir=tmp_path_factory.mktemp("shards"))
    return SyntheticDataset(spec, "train", 32, TwoHandMANO(), AUGMENTED, augment=True)


def batches(ds, start, end, workers):
    return [b for b in train_batches(ds, 4, seed=7, start_step=start, end_step=end, num_workers=workers)]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert set(x) == set(y)
        for k in x:
            assert torch.equal(x[k], y[k]), k


def test_batches_do_not_depend_on_the_worker_count(dataset):
    assert_same(batches(dataset, 0, 8, 0), batches(dataset, 0, 8, 2))


def test_a_resumed_loader_continues_the_same_batches(dataset):
    whole = batches(dataset, 0, 8, 2)
    assert_same(whole[5:], batches(dataset, 5, 8, 2))
    assert_same(whole[5:], batches(dataset, 5, 8, 0))


def test_each_draw_of_a_sample_is_augmented_anew(dataset):
    # 24 samples, batch 4: steps 0-5 are epoch 0, steps 6-11 draw the same samples again, augmented anew
    first = torch.cat([b["joints_2d"] for b in batches(dataset, 0, 6, 0)])
    again = torch.cat([b["joints_2d"] for b in batches(dataset, 6, 12, 0)])
    assert first.shape == again.shape
    assert not torch.allclose(first.sort(0).values, again.sort(0).values)


def test_the_augmentation_does_not_touch_the_global_rng(dataset):
    torch.manual_seed(0)
    batches(dataset, 0, 2, 0)
    after = torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(after, torch.rand(3))  # dropout and friends see the same stream as without data


def test_compact_images_reach_the_device_as_the_float_sample(dataset):
    # the loader passes uint8 pictures; to_device normalises them to exactly the dataset's float image
    batch = batches(dataset, 0, 1, 0)[0]
    assert batch["image"].dtype == torch.uint8 and batch["image"].shape == (4, 32, 32, 3)
    for channels_last in (False, True):
        image = to_device(batch, torch.device("cpu"), channels_last)["image"]
        assert image.dtype == torch.float32 and image.shape == (4, 3, 32, 32)
        assert image.is_contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
        val = val_batches(dataset, 4)  # unaugmented, in order: the same samples as dataset[i] gives
        first = to_device(next(iter(val)), torch.device("cpu"), channels_last)["image"]
        assert torch.equal(first, torch.stack([dataset.draw(i, None)["image"] for i in range(4)]))


def test_any_train_seed_seeds_the_augmentation():
    assert draw_rng(-3, 5).random() != draw_rng(3, 5).random()  # a negative seed is a valid train.seed
    assert draw_rng(3, 5).random() == draw_rng(3, 5).random() != draw_rng(3, 6).random()


def test_synthetic_dataset_pickles_for_spawned_workers(dataset):
    copy = pickle.loads(pickle.dumps(dataset))
    assert torch.equal(copy.draw(3, None)["image"], dataset.draw(3, None)["image"])


def test_prepare_renders_every_shard_into_the_cache(tmp_path):
    spec = SyntheticSpec(n_train=70, n_val=4, cache_dir=tmp_path)  # two shards, the second partial
    SyntheticDataset(spec, "train", 32, TwoHandMANO()).prepare()
    assert len(list(tmp_path.glob("shard-*.npz"))) == 2


@pytest.mark.parametrize("cpus, expected", [("1", 0), ("2", 1), ("6", 5), ("16", 15), ("64", 16)])
def test_auto_workers_on_cuda_use_the_trial_cores_but_one(monkeypatch, dataset, cpus, expected):
    monkeypatch.setenv(CPUS_ENV, cpus)
    assert loader_workers("auto", torch.device("cuda"), dataset) == expected


def test_auto_workers_stay_in_the_main_process_on_the_cpu_or_without_the_cache(monkeypatch, dataset, tmp_path):
    monkeypatch.setenv(CPUS_ENV, "16")
    assert loader_workers("auto", torch.device("cpu"), dataset) == 0
    uncached = SyntheticDataset(SyntheticSpec(n_train=4, cache=False), "train", 32, TwoHandMANO())
    assert loader_workers("auto", torch.device("cuda"), uncached) == 0  # every worker would render again
    assert loader_workers(3, torch.device("cpu"), dataset) == 3  # an explicit count is kept


def test_num_workers_accepts_auto_or_a_count():
    assert DataSpec().num_workers == "auto"
    assert DataSpec(num_workers=2).num_workers == 2
    for bad in (-1, "many"):
        with pytest.raises(ValueError, match="expected 'auto' or a whole number"):
            DataSpec(num_workers=bad)
