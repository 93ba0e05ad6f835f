"""A compact index of the InterHand2.6M samples to keep: small numpy arrays, no JSON kept in memory.

The release's annotations are huge (all 5 fps annotations with MANO took ~100 GB as Python objects), so
the JSON is streamed (interhand_stream.py), the kept samples are copied into flat arrays (per-frame joints
and MANO shared by every camera of that frame), and the index is cached on disk (interhand_cache.py).

Samples keep the order of `annotations[]` in InterHand2.6M_{split}_data.json (the order the official
loader, facebookresearch/InterHand2.6M data/InterHand2.6M/dataset.py, walks `db.anns`), and `ids` holds
each sample's official image id, so per-sample predictions line up with official lists.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pandas as pd

from ...errors import DataError
from .interhand_files import ANNOTATION_KINDS, annotation_path, camera_table, load_annotation
from .interhand_stream import read_frames, read_samples
from ..spec import InterHandSpec

HAND_KEYS = ("right", "left")  # hand 0 = right (joints 0-20), hand 1 = left (joints 21-41)
REQUIRED_HANDS = {"interacting": (0, 1), "right": (0,), "left": (1,)}
KEEP_TYPES = {"interacting": {"interacting"}, "single": {"right", "left"}, "all": {"interacting", "right", "left"}}
HAND_TYPE_CODE = {"right": (1, 0), "left": (0, 1), "interacting": (1, 1)}  # official handtype_str2array


@dataclass
class InterHandIndex:
    files: List[str]  # per sample, relative to images/{split}/
    ids: np.ndarray  # (N,) int64 official image id (images[].id = annotations[].image_id)
    hand_type: np.ndarray  # (N, 2) uint8 hands in the sample: [1,0] right, [0,1] left, [1,1] interacting
    camera: np.ndarray  # (N,) int32 into cam_R / cam_pos / cam_focal / cam_princpt
    frame: np.ndarray  # (N,) int32 into world / mano_*
    joint_valid: np.ndarray  # (N, 42) uint8
    cam_R: np.ndarray  # (C, 3, 3)
    cam_pos: np.ndarray  # (C, 3) mm
    cam_focal: np.ndarray  # (C, 2)
    cam_princpt: np.ndarray  # (C, 2)
    world: np.ndarray  # (F, 42, 3) float32 world mm
    mano_pose: np.ndarray  # (F, 2, 48) float32 world frame
    mano_shape: np.ndarray  # (F, 2, 10) float32
    mano_valid: np.ndarray  # (F, 2) uint8
    skipped: Dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.files)


def _select(df: pd.DataFrame, spec: InterHandSpec, skipped: Dict[str, int]) -> pd.DataFrame:
    if spec.captures is not None:
        df = df[df["capture"].isin({str(c) for c in spec.captures})]
    keep_type = df["hand_type"].isin(KEEP_TYPES[spec.hand_type])
    skipped["hand_type"] = int((~keep_type).sum())
    df = df[keep_type]
    if spec.stride > 1:  # every stride-th frame of each camera's sequence, whatever the file's order
        rank = df.groupby(["capture", "seq_name", "camera"])["frame_idx"].rank(method="first").astype(int) - 1
        df = df[rank % spec.stride == 0]
    if spec.fraction < 1:  # deterministic by frame, so all cameras of a kept frame stay together
        h = [zlib.crc32(f"{c}/{f}".encode()) / 2**32 for c, f in zip(df["capture"], df["frame_key"])]
        df = df[np.asarray(h) < spec.fraction]
    return df


def build_index(root: Path, split: str, spec: InterHandSpec, limit: Optional[int] = None,
                require_mano: bool = True, cache: bool = True) -> InterHandIndex:
    """The samples of `split` kept by `spec`, in the official order. require_mano=False keeps samples
    whose hands have no MANO fit (the official joint evaluation). Read from the on-disk cache when the
    annotation files and the selection are unchanged (interhand_cache.py), else built and cached."""
    from .interhand_cache import cached_index

    return cached_index(root, split, spec, limit, require_mano,
                        lambda: read_index(root, split, spec, limit, require_mano), enabled=cache)


def read_index(root: Path, split: str, spec: InterHandSpec, limit: Optional[int] = None,
               require_mano: bool = True) -> InterHandIndex:
    """Stream the four annotation files of `split` (interhand_stream.py) into the index."""
    paths = {kind: annotation_path(root, split, kind) for kind in ANNOTATION_KINDS}
    for kind, path in paths.items():
        if not path.is_file():
            load_annotation(root, split, kind)  # raises the missing-file error
    df, joint_valid = read_samples(paths["data"])
    skipped: Dict[str, int] = {}
    df = _select(df, spec, skipped)
    cams = camera_table(load_annotation(root, split, "camera"), paths["camera"])  # small: one object
    wanted = set(zip(df["capture"], df["frame_key"]))
    joints = read_frames(paths["joint_3d"], wanted, lambda rec, key: _world(rec, paths["joint_3d"]))
    mano_path = paths["MANO_NeuralAnnot"]
    manos = read_frames(mano_path, wanted, lambda rec, key: _fits(rec, mano_path, key))

    cam_ids: Dict[tuple, int] = {}
    frame_ids: Dict[tuple, int] = {}
    files, ids, types, cam_of, frame_of, valid_rows = [], [], [], [], [], []
    world, m_pose, m_shape, m_valid = [], [], [], []
    counts = {"no_camera": 0, "no_joints": 0, "no_mano": 0}
    no_fit = ((False, False), None)
    for row in df.itertuples(index=False):
        ck, fk = (row.capture, row.camera), (row.capture, row.frame_key)
        if ck not in cams:
            counts["no_camera"] += 1
            continue
        jrec = _raise_if_error(joints.get(fk))
        if jrec is None:
            counts["no_joints"] += 1
            continue
        present, arrays = _raise_if_error(manos.get(fk, no_fit))
        if require_mano and not all(present[h] for h in REQUIRED_HANDS[row.hand_type]):
            counts["no_mano"] += 1
            continue
        if fk not in frame_ids:
            frame_ids[fk] = len(world)
            world.append(jrec)
            pose, shape, ok = _raise_if_error(arrays) if arrays is not None else _mano_arrays([None, None], mano_path, fk)
            m_pose.append(pose), m_shape.append(shape), m_valid.append(ok)
        cam_ids.setdefault(ck, len(cam_ids))
        files.append(row.file_name)
        ids.append(int(row.image_id))
        types.append(HAND_TYPE_CODE[row.hand_type])
        cam_of.append(cam_ids[ck])
        frame_of.append(frame_ids[fk])
        valid_rows.append(row.row)
    skipped.update(counts)
    keep = _evenly_spaced(len(files), limit)
    cam_list = [cams[k] for k in cam_ids]
    return InterHandIndex(
        files=[files[i] for i in keep],
        ids=np.asarray(ids, np.int64)[keep],
        hand_type=np.asarray(types, np.uint8).reshape(-1, 2)[keep],
        camera=np.asarray(cam_of, np.int32)[keep],
        frame=np.asarray(frame_of, np.int32)[keep],
        joint_valid=joint_valid[np.asarray(valid_rows, np.int64)].reshape(-1, 42)[keep],
        cam_R=np.asarray([c["R"] for c in cam_list]).reshape(-1, 3, 3),
        cam_pos=np.asarray([c["campos"] for c in cam_list]).reshape(-1, 3),
        cam_focal=np.asarray([c["focal"] for c in cam_list]).reshape(-1, 2),
        cam_princpt=np.asarray([c["princpt"] for c in cam_list]).reshape(-1, 2),
        world=np.asarray(world, np.float32).reshape(-1, 42, 3),
        mano_pose=np.asarray(m_pose, np.float32).reshape(-1, 2, 48),
        mano_shape=np.asarray(m_shape, np.float32).reshape(-1, 2, 10),
        mano_valid=np.asarray(m_valid, np.uint8).reshape(-1, 2),
        skipped=skipped,
    )


def _raise_if_error(value):
    if isinstance(value, DataError):
        raise value
    return value


def _world(record, path: Path) -> Optional[np.ndarray]:
    """A joint_3d frame record -> world joints (42, 3) float32, None when it has no world_coord."""
    if not isinstance(record, dict) or "world_coord" not in record:
        return None
    try:
        return np.asarray(record["world_coord"], np.float32).reshape(42, 3)
    except (ValueError, TypeError) as err:
        raise DataError(f"{path}: malformed world_coord (expected 42 x 3 numbers): {err}") from None


def _fits(record, path: Path, frame_key: tuple):
    """A MANO frame record -> ((right fitted, left fitted), (pose, shape, ok) arrays)."""
    fits = [record.get(k) for k in HAND_KEYS] if isinstance(record, dict) else [None, None]
    return tuple(f is not None for f in fits), _mano_arrays(fits, path, frame_key)


def _mano_arrays(fits: list, path: Path, frame_key: tuple):
    pose, shape, ok = np.zeros((2, 48), np.float32), np.zeros((2, 10), np.float32), np.zeros(2, np.uint8)
    for h, fit in enumerate(fits):
        if fit is None:
            continue
        try:
            pose[h] = np.asarray(fit["pose"], np.float32).reshape(48)
            shape[h] = np.asarray(fit["shape"], np.float32).reshape(10)
        except (KeyError, ValueError, TypeError) as err:
            raise DataError(f"{path}: capture {frame_key[0]} frame {frame_key[1]} {HAND_KEYS[h]}: malformed "
                            f"MANO fit (expected pose [48] and shape [10]): {err}") from None
        ok[h] = 1
    return pose, shape, ok


def _evenly_spaced(n: int, limit: Optional[int]) -> np.ndarray:
    if limit is None or n <= limit:
        return np.arange(n)
    return np.linspace(0, n - 1, limit).round().astype(np.int64)
