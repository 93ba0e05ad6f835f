"""The blind baseline (blind.py) kept on disk: one JSON file per data configuration, so the trials of a
study, its workers, its Ray trials and resumed runs compute it once.

Key: the DataSpec without what cannot change a label or which samples are scored (DataLoader workers,
where shards are cached, train-time augmentation, which the means never see), for InterHand2.6M the
annotation files' size and date, the MANO model's arrays, and the source of the code the baseline's
value depends on (the data readers, MANO, the metrics and blind.py): a changed reader or metric scores
anew. Files: $MAHM_CACHE_DIR/blind/<key>.json (else ~/.cache/mahm-search/blind), written atomically
(files.atomic_write); an unreadable file is computed again. MAHM_BLIND_CACHE=off turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Optional

from ...files import DiskFullError, atomic_write, cache_root
from .blind import BlindBaseline

BLIND_FORMAT = 1  # bump when the stored fields change
# DataSpec fields that do not change the labels, nor which samples are scored
NEUTRAL = {"": ("num_workers",), "synthetic": ("cache", "cache_dir"),
           "crop": ("jitter", "rotation_deg", "scale_aug")}
# the code the baseline's value depends on, relative to the package
SOURCES = ("data", "hands", "train/blind/blind.py", "metrics/metrics.py", "metrics/metric_names.py", "train/evaluate.py",
           "train/loss/targets.py")


def enabled() -> bool:
    return os.environ.get("MAHM_BLIND_CACHE", "on").lower() not in ("off", "0", "false", "no")


def blind_key(data, mano) -> str:
    """The key of a DataSpec scored with a TwoHandMANO `mano` (see the module doc)."""
    from ...data.synthetic import mano_fingerprint

    tree = data.model_dump(mode="json")
    for section, fields in NEUTRAL.items():
        part = tree.get(section) if section else tree
        for name in fields if part else ():
            part.pop(name, None)
    tree.pop("interhand" if data.source == "synthetic" else "synthetic", None)
    if data.source == "interhand":
        files = _annotation_files(data)
    else:  # a plug-in dataset: its source file (None for the synthetic data)
        from ...plugins.fingerprint import plugin_fingerprint

        files = plugin_fingerprint({"data": data.model_dump(mode="json")}) or None
    return hashlib.sha256(json.dumps({"format": BLIND_FORMAT, "data": tree, "files": files,
                                      "mano": mano_fingerprint(mano), "source": _source_fingerprint()},
                                     sort_keys=True).encode()).hexdigest()[:24]


def _annotation_files(data) -> list:
    """Path, size and date of the annotation files both splits are read from (a changed file scores anew)."""
    from ...data.interhand.interhand_files import ANNOTATION_KINDS, annotation_path

    ih = data.interhand
    out = []
    for split in (ih.train_split, ih.val_split):
        for kind in ANNOTATION_KINDS:
            path = annotation_path(Path(ih.root), split, kind)
            try:
                stat = path.stat()
                out.append([str(path.resolve()), stat.st_size, stat.st_mtime_ns])
            except OSError:
                out.append([str(path), None, None])  # reading the data fails first, naming the file
    return out


@functools.lru_cache(maxsize=1)
def _source_fingerprint() -> str:
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for name in SOURCES:
        paths = sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]
        for path in paths:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _path(key: str) -> Path:
    return cache_root() / "blind" / f"{key}.json"


def load_blind(key: str) -> Optional[BlindBaseline]:
    if not enabled():
        return None
    try:
        stored = json.loads(_path(key).read_text())
        return BlindBaseline(metrics=stored["metrics"], per_sample=stored["per_sample"],
                             n_train=int(stored["n_train"]), n_val=int(stored["n_val"]), key=key)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: compute again


def save_blind(baseline: BlindBaseline) -> None:
    if not enabled() or not baseline.key:
        return
    text = json.dumps({"format": BLIND_FORMAT, "metrics": baseline.metrics, "per_sample": baseline.per_sample,
                       "n_train": baseline.n_train, "n_val": baseline.n_val})
    try:
        atomic_write(_path(baseline.key), lambda f: f.write(text.encode()))
    except (OSError, DiskFullError):
        pass  # a read-only or full cache folder costs the next trial a recomputation, nothing else
