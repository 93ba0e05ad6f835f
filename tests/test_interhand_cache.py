"""The InterHand2.6M index cache (issue 10): a second build loads the cached index (no JSON read) and
equals the first; a changed annotation file, another selection or a torn cache file builds anew."""

import os

import numpy as np
import pytest

from mahm_search.data.interhand import interhand_index
from mahm_search.data.interhand.interhand_files import annotation_path
from mahm_search.data.interhand.interhand_index import build_index
from mahm_search.data.spec import InterHandSpec
from support.interhand_fixture import write_fixture


@pytest.fixture()
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("MAHM_INTERHAND_CACHE", str(tmp_path / "cache"))
    write_fixture(tmp_path / "data")
    return tmp_path / "data"


def _same(a, b):
    assert a.files == b.files and a.skipped == b.skipped
    for name in ("ids", "hand_type", "camera", "frame", "joint_valid", "cam_R", "cam_pos", "cam_focal",
                 "cam_princpt", "world", "mano_pose", "mano_shape", "mano_valid"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def _no_json(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("read the annotation JSON although the index was cached")
    monkeypatch.setattr(interhand_index, "read_index", refuse)


def test_a_second_build_loads_the_cached_index(root, monkeypatch, tmp_path):
    spec = InterHandSpec(root=root, hand_type="all")
    first = build_index(root, "val", spec)
    assert len(first) == 6 and len(list((tmp_path / "cache").glob("*.npz"))) == 1
    _no_json(monkeypatch)
    _same(build_index(root, "val", spec), first)
    with pytest.raises(AssertionError, match="read the annotation JSON"):  # another selection: not cached
        build_index(root, "val", InterHandSpec(root=root, hand_type="all", stride=2))


def test_the_cached_index_equals_an_uncached_build(root):
    spec = InterHandSpec(root=root)
    build_index(root, "val", spec)
    _same(build_index(root, "val", spec), build_index(root, "val", spec, cache=False))


def test_a_changed_annotation_file_builds_anew(root):
    spec = InterHandSpec(root=root, hand_type="all")
    assert len(build_index(root, "val", spec)) == 6
    write_fixture(root, order=[1, 0, 3, 2, 5, 4, 7, 6])  # same content, another order: another file
    path = annotation_path(root, "val", "data")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert build_index(root, "val", spec).ids[:2].tolist() == [1, 0]


def test_a_torn_cache_file_is_rebuilt(root, tmp_path):
    spec = InterHandSpec(root=root)
    first = build_index(root, "val", spec)
    [cached] = (tmp_path / "cache").glob("*.npz")
    cached.write_bytes(cached.read_bytes()[:100])
    _same(build_index(root, "val", spec), first)
    assert cached.stat().st_size > 100  # replaced by a whole one
