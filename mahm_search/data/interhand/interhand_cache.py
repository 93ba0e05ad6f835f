"""The InterHand2.6M index, cached on disk: every trial, worker and resumed study after the first loads
it (one .npz) instead of reading the annotation JSON again.

The key is the annotation files (path, size, mtime) and the selection (split, captures, hand_type,
stride, fraction, limit, require_mano), plus INDEX_FORMAT: a changed file or selection builds anew.
Writes are atomic (files.atomic_write), so parallel workers may race; an unreadable file is rebuilt.
Folder: $MAHM_INTERHAND_CACHE if set ('off' turns caching off), else $MAHM_CACHE_DIR/interhand-index,
else ~/.cache/mahm-search/interhand-index.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import fields
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ...files import DiskFullError, atomic_write, cache_root
from ..cache import content_key
from .interhand_files import ANNOTATION_KINDS, annotation_path
from ..spec import InterHandSpec

INDEX_FORMAT = 1  # bump when build_index's output changes for the same input


def cache_folder() -> Optional[Path]:
    """MAHM_INTERHAND_CACHE: 'off', or a folder; unset: the user cache folder."""
    setting = os.environ.get("MAHM_INTERHAND_CACHE", "")
    if setting.lower() in ("off", "0", "false", "no"):
        return None
    if setting:
        return Path(setting)
    return cache_root() / "interhand-index"


def index_key(root: Path, split: str, spec: InterHandSpec, limit: Optional[int], require_mano: bool) -> str:
    files = []
    for kind in ANNOTATION_KINDS:
        path = annotation_path(root, split, kind).resolve()
        stat = path.stat()
        files.append([str(path), stat.st_size, stat.st_mtime_ns])
    selection = {"captures": sorted(str(c) for c in spec.captures) if spec.captures is not None else None,
                 "hand_type": spec.hand_type, "stride": spec.stride, "fraction": spec.fraction}
    return content_key({"format": INDEX_FORMAT, "files": files, "split": split, "selection": selection,
                        "limit": limit, "require_mano": require_mano})


def save_index(index, path: Path) -> None:
    arrays = {f.name: getattr(index, f.name) for f in fields(index) if f.name not in ("files", "skipped")}
    arrays["files"] = np.asarray(index.files, dtype=str)
    arrays["skipped"] = np.asarray(json.dumps(index.skipped))
    atomic_write(path, lambda f: np.savez(f, **arrays))


def load_index(path: Path):
    from .interhand_index import InterHandIndex

    with np.load(path, allow_pickle=False) as data:
        values = {name: data[name] for name in data.files}
    values["files"] = values["files"].tolist()
    values["skipped"] = json.loads(str(values["skipped"]))
    return InterHandIndex(**values)


def cached_index(root: Path, split: str, spec: InterHandSpec, limit: Optional[int], require_mano: bool,
                 build: Callable[[], object], enabled: bool = True):
    folder = cache_folder() if enabled else None
    if folder is None:
        return build()
    try:
        path = folder / f"{split}-{index_key(Path(root), split, spec, limit, require_mano)}.npz"
    except OSError:  # a missing annotation file: build() says which, in its own words
        return build()
    if path.is_file():
        try:
            return load_index(path)
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            pass  # a torn or foreign file: build again and replace it
    index = build()
    try:
        save_index(index, path)
    except (OSError, DiskFullError):
        pass  # a read-only or full cache folder costs the next trial a rebuild, nothing else
    return index
