"""The InterHand2.6M sample subsets that published tables are computed on, each as its official code
selects it, so a number from `evaluate --subset` can be put next to the paper's.

- all:                every annotation of the split: facebookresearch/InterHand2.6M,
                      data/InterHand2.6M/dataset.py, Dataset.__init__ (`for aid in db.anns.keys()`).
- interacting:        those with hand_type 'interacting' (the same file: datalist_ih, the 'interacting'
                      rows of Dataset.evaluate).
- interwild_annotated: facebookresearch/InterWild, data/InterHand26M/InterHand26M.py, load_data: the
                      annotation ids of data/InterHand26M/aid_human_annot_{split}.txt (human-annotated
                      frames, a file of that repository: put it at <root>/aid_human_annot_{split}.txt, where
                      InterWild keeps it, or pass its path), less the annotations load_data skips (no
                      joint valid after root masking, in data.json or in joint_3d.json; neither hand's
                      box survives sanitize_bbox), and with a dropped hand's joints marked invalid, as its
                      evaluate reads joint_trunc.
- intaghand:          Dw1010/IntagHand, dataset/interhand.py, cut_inter_img: hand_type 'interacting' with
                      hand_type_valid, both MANO fits present, and an image whose mean is not below 10
                      (IntagHand drops dark frames; every candidate image is read).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

import numpy as np
from tqdm import tqdm

from ..data.interhand.interhand import world_to_camera
from ..data.interhand.interhand_files import image_path, read_rgb
from ..data.interhand.interhand_index import InterHandIndex
from ..errors import DataError
from .annotations import annotation_fields, frame_joint_valid

SUBSETS = ("all", "interacting", "interwild_annotated", "intaghand")
SOURCES = {
    "all": "InterHand2.6M official: every annotation (facebookresearch/InterHand2.6M data/InterHand2.6M/dataset.py)",
    "interacting": "InterHand2.6M official: interacting frames (facebookresearch/InterHand2.6M "
                   "data/InterHand2.6M/dataset.py, datalist_ih)",
    "interwild_annotated": "InterWild: human-annotated frames (facebookresearch/InterWild "
                           "data/InterHand26M/InterHand26M.py load_data, aid_human_annot_{split}.txt)",
    "intaghand": "IntagHand: interacting frames with both MANO fits (Dw1010/IntagHand dataset/interhand.py "
                 "cut_inter_img)",
}
HANDS = (np.arange(0, 21), np.arange(21, 42))  # right, left in the 42-joint order
ROOTS = (20, 41)
DARK_MEAN = 10  # IntagHand: `if img.mean() < 10: continue`
PROGRESS_FROM = 500  # images to read before a progress bar is worth showing


@dataclass
class Subset:
    name: str
    protocol: str  # which official file defines it
    index: InterHandIndex  # the selected samples (joint_valid as that code evaluates them)
    candidates: int  # the split's annotated samples it was selected from
    skipped: Dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        why = ", ".join(f"{k} {v}" for k, v in self.skipped.items() if v)
        return (f"subset {self.name}: {len(self.index)} of {self.candidates} samples"
                + (f" (left out: {why})" if why else "") + f"; {self.protocol}")


def select_subset(index: InterHandIndex, root: Path, split: str, name: str,
                  aid_list: Optional[Path] = None) -> Subset:
    """The samples of `index` (every annotated sample of the split) in the named subset."""
    if name not in SUBSETS:  # the CLI checks too; this is for Python callers
        raise DataError(f"--subset: expected one of {', '.join(SUBSETS)}, got {name!r}")
    protocol = SOURCES[name].replace("{split}", split)
    if name == "all":
        return Subset(name, protocol, index, len(index))
    if name == "interacting":
        keep = index.hand_type.all(1)
        return Subset(name, protocol, take(index, keep), len(index), {"not interacting": int((~keep).sum())})
    fields = annotation_fields(root, split)
    row = _rows_by_image(fields, index.ids)
    if name == "intaghand":
        return _intaghand(index, root, split, fields, row, protocol)
    return _interwild(index, root, split, fields, row, protocol, aid_list)


def take(index: InterHandIndex, keep: np.ndarray, joint_valid: Optional[np.ndarray] = None) -> InterHandIndex:
    """The samples where `keep` (N,) is true; per-frame and per-camera tables are shared."""
    at = np.flatnonzero(keep)
    return dataclasses.replace(
        index, files=[index.files[i] for i in at], ids=index.ids[at], hand_type=index.hand_type[at],
        camera=index.camera[at], frame=index.frame[at],
        joint_valid=(index.joint_valid if joint_valid is None else joint_valid)[at])


def _rows_by_image(fields: Dict[str, np.ndarray], ids: np.ndarray) -> np.ndarray:
    order = np.argsort(fields["image_id"], kind="stable")
    loc = np.minimum(np.searchsorted(fields["image_id"][order], ids), max(len(order) - 1, 0))
    return order[loc]


def _intaghand(index, root, split, fields, row, protocol) -> Subset:
    interacting = index.hand_type.all(1)
    type_valid = fields["hand_type_valid"][row] > 0
    fits = index.mano_valid[index.frame].all(1)
    keep = interacting & type_valid & fits
    dark = np.zeros(len(index), bool)
    candidates = np.flatnonzero(keep)
    # the image test last: it reads each candidate (many thousands on the full test split)
    for i in tqdm(candidates, desc="intaghand: image means", unit="img", disable=len(candidates) < PROGRESS_FROM):
        dark[i] = read_rgb(image_path(root, split, index.files[i])).mean() < DARK_MEAN
    skipped = {"not interacting": int((~interacting).sum()),
               "hand_type_valid 0": int((interacting & ~type_valid).sum()),
               "a MANO fit missing": int((interacting & type_valid & ~fits).sum()), "dark image": int(dark.sum())}
    return Subset("intaghand", protocol, take(index, keep & ~dark), len(index), skipped)


def _interwild(index, root, split, fields, row, protocol, aid_list) -> Subset:
    path = Path(aid_list) if aid_list else Path(root) / f"aid_human_annot_{split}.txt"
    aids = _read_aids(path, split)
    by_aid = dict(zip(fields["aid"].tolist(), fields["image_id"].tolist()))
    unknown = [a for a in aids if a not in by_aid]
    if unknown:
        raise DataError(f"{path}: {len(unknown)} annotation id(s) are not in InterHand2.6M_{split}_data.json, "
                        f"e.g. {unknown[:5]} (expected InterWild's list for the {split} split)")
    listed = np.isin(index.ids, np.asarray([by_aid[a] for a in aids], np.int64))
    frames = {(fields["capture"][r], fields["frame_key"][r]) for r in row[listed]}
    joint_3d_valid = frame_joint_valid(root, split, frames)
    trunc_all = index.joint_valid.astype(np.float32)
    skipped = {"not in the list": int((~listed).sum()), "no valid joint": 0, "no hand box": 0}
    keep = np.zeros(len(index), bool)
    for i in np.flatnonzero(listed):
        r = row[i]
        trunc = _root_masked(trunc_all[i])
        valid = _root_masked(joint_3d_valid[(fields["capture"][r], fields["frame_key"][r])])
        if trunc.sum() == 0 or valid.sum() == 0:
            skipped["no valid joint"] += 1
            continue
        cam = world_to_camera(index.world[index.frame[i]].astype(np.float64), index.cam_R[index.camera[i]],
                              index.cam_pos[index.camera[i]])
        cam[valid == 0] = 1.0  # as InterWild: 'prevent zero division error'
        uv = cam[:, :2] / cam[:, 2:] * index.cam_focal[index.camera[i]] + index.cam_princpt[index.camera[i]]
        boxes = 0
        for hand in HANDS:
            if trunc[hand].sum() > 0 and _sane_box(uv[hand], trunc[hand], fields["width"][r], fields["height"][r]):
                boxes += 1
            else:
                trunc[hand] = 0  # InterWild zeroes joint_trunc of a hand without a box
        if boxes == 0:
            skipped["no hand box"] += 1
            continue
        trunc_all[i] = trunc
        keep[i] = True
    return Subset("interwild_annotated", protocol, take(index, keep, trunc_all.astype(index.joint_valid.dtype)),
                  len(index), skipped)


def _read_aids(path: Path, split: str) -> list:
    if not path.is_file():
        raise DataError(f"{path}: InterWild's list of human-annotated annotation ids is missing (expected "
                        f"data/InterHand26M/aid_human_annot_{split}.txt of facebookresearch/InterWild here, "
                        "or its path in --aid-list)")
    try:
        return [int(line) for line in path.read_text().split()]
    except ValueError as err:
        raise DataError(f"{path}: expected one integer annotation id per line ({err})") from None


def _root_masked(valid: np.ndarray) -> np.ndarray:
    out = np.asarray(valid, np.float32).reshape(42).copy()
    for hand, root in zip(HANDS, ROOTS):
        out[hand] *= out[root]
    return out


def _sane_box(uv: np.ndarray, valid: np.ndarray, width: int, height: int) -> bool:
    """InterWild common/utils/preprocessing.py get_bbox (extend 1.2) then sanitize_bbox is not None."""
    pts = uv[valid == 1]
    lo, hi = pts.min(0), pts.max(0)
    centre, size = (lo + hi) / 2, (hi - lo) * 1.2
    x, y = centre - size / 2
    w, h = size
    x1, y1 = max(0.0, x), max(0.0, y)
    x2, y2 = min(width - 1, x1 + max(0.0, w - 1)), min(height - 1, y1 + max(0.0, h - 1))
    return bool(w * h > 0 and x2 > x1 and y2 > y1)
