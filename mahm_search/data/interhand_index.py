"""A compact index of the InterHand2.6M samples to keep: small numpy arrays, no JSON kept in memory.

The release's annotations are huge (all 5 fps annotations with MANO took ~100 GB as Python objects), so
the JSON is read once, the kept samples are copied into flat arrays (per-frame joints and MANO shared by
every camera of that frame) and the JSON objects are dropped.

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

from ..errors import DataError
from .interhand_files import annotation_path, camera_table, load_annotation, require
from .spec import InterHandSpec

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


def _images_frame(data: dict, path: Path) -> pd.DataFrame:
    images = pd.DataFrame(require(data, "images", path, "top level"))
    annots = pd.DataFrame(require(data, "annotations", path, "top level"))
    for name, frame, cols in (("images", images, ("id", "file_name", "capture", "seq_name", "camera", "frame_idx")),
                              ("annotations", annots, ("image_id", "joint_valid", "hand_type"))):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(f"{path}: {name}[]: missing field(s) {missing}")
    # An inner merge keeps the left frame's order: the official annotation order.
    df = annots[["image_id", "joint_valid", "hand_type"]].merge(images, left_on="image_id", right_on="id")
    df["capture"] = df["capture"].astype(str)
    df["camera"] = df["camera"].astype(str)
    df["frame_key"] = df["frame_idx"].astype(str)
    return df.reset_index(drop=True)


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
                require_mano: bool = True) -> InterHandIndex:
    """Read the four annotation files of `split` and index the samples kept by `spec`, in the official
    order. require_mano=False keeps samples whose hands have no MANO fit (the official joint evaluation)."""
    data_path = annotation_path(root, split, "data")
    df = _images_frame(load_annotation(root, split, "data"), data_path)
    skipped: Dict[str, int] = {}
    df = _select(df, spec, skipped)
    cam_path = annotation_path(root, split, "camera")
    cams = camera_table(load_annotation(root, split, "camera"), cam_path)
    joints = load_annotation(root, split, "joint_3d")
    manos = load_annotation(root, split, "MANO_NeuralAnnot")
    mano_path = annotation_path(root, split, "MANO_NeuralAnnot")

    cam_ids: Dict[tuple, int] = {}
    frame_ids: Dict[tuple, int] = {}
    files, ids, types, cam_of, frame_of, valid_of = [], [], [], [], [], []
    world, m_pose, m_shape, m_valid = [], [], [], []
    counts = {"no_camera": 0, "no_joints": 0, "no_mano": 0}
    for row in df.itertuples(index=False):
        ck, fk = (row.capture, row.camera), (row.capture, row.frame_key)
        if ck not in cams:
            counts["no_camera"] += 1
            continue
        jrec = joints.get(row.capture, {}).get(row.frame_key)
        if jrec is None or "world_coord" not in jrec:
            counts["no_joints"] += 1
            continue
        mrec = manos.get(row.capture, {}).get(row.frame_key) or {}
        fits = [mrec.get(k) for k in HAND_KEYS]
        if require_mano and any(fits[h] is None for h in REQUIRED_HANDS[row.hand_type]):
            counts["no_mano"] += 1
            continue
        if fk not in frame_ids:
            frame_ids[fk] = len(world)
            world.append(np.asarray(jrec["world_coord"], np.float32).reshape(42, 3))
            pose, shape, ok = _mano_arrays(fits, mano_path, fk)
            m_pose.append(pose), m_shape.append(shape), m_valid.append(ok)
        cam_ids.setdefault(ck, len(cam_ids))
        files.append(row.file_name)
        ids.append(int(row.image_id))
        types.append(HAND_TYPE_CODE[row.hand_type])
        cam_of.append(cam_ids[ck])
        frame_of.append(frame_ids[fk])
        valid_of.append(np.asarray(row.joint_valid, np.float32).reshape(42) > 0)
    skipped.update(counts)
    keep = _evenly_spaced(len(files), limit)
    cam_list = [cams[k] for k in cam_ids]
    return InterHandIndex(
        files=[files[i] for i in keep],
        ids=np.asarray(ids, np.int64)[keep],
        hand_type=np.asarray(types, np.uint8).reshape(-1, 2)[keep],
        camera=np.asarray(cam_of, np.int32)[keep],
        frame=np.asarray(frame_of, np.int32)[keep],
        joint_valid=np.asarray(valid_of, np.uint8).reshape(-1, 42)[keep],
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
