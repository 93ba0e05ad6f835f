"""Disk cache of rendered sample shards, so a study never renders the same samples twice.

A shard is one .npz of arrays, named by a hash of everything that determines its content (seed, split,
indices, image size, crop, render options, MANO model, renderer version). Writes are atomic
(files.atomic_write), so parallel trials can share the folder; an unreadable shard is rendered again.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import numpy as np

from ..errors import DataError
from ..files import DiskFullError, atomic_write, cache_root


def default_cache_dir() -> Path:
    """$MAHM_CACHE_DIR/synthetic, else ~/.cache/mahm-search/synthetic."""
    return cache_root() / "synthetic"


def content_key(description: Dict[str, Any]) -> str:
    """A short stable hash of a JSON-able description."""
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ShardCache:
    """get_or_make(key, make): the cached arrays for key, rendering (and storing) them once."""

    def __init__(self, folder: Optional[Path]):
        self.folder = Path(folder) if folder is not None else None  # None: caching off

    def path(self, key: str) -> Path:
        return self.folder / f"shard-{key}.npz"

    def load(self, key: str) -> Optional[Dict[str, np.ndarray]]:
        if self.folder is None or not self.path(key).is_file():
            return None
        try:
            with np.load(self.path(key), allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError):
            return None  # a damaged shard is simply made again

    def save(self, key: str, arrays: Dict[str, np.ndarray]) -> None:
        if self.folder is None:
            return
        try:
            atomic_write(self.path(key), lambda f: np.savez_compressed(f, **arrays))
        except (OSError, DiskFullError) as err:
            raise DataError(f"{self.folder}: cannot write the synthetic data cache ({err}); set "
                            "data.synthetic.cache_dir to a writable folder or data.synthetic.cache: false") from None

    def get_or_make(self, key: str, make: Callable[[], Dict[str, np.ndarray]]) -> Dict[str, np.ndarray]:
        arrays = self.load(key)
        if arrays is None:
            arrays = make()
            self.save(key, arrays)
        return arrays
