"""Score any model's saved predictions on an InterHand2.6M split under both protocols (metrics/metrics.py).

The predictions file is an .npz with, per sample:
  ids       (N,)           official image id (images[].id in InterHand2.6M_{split}_data.json), any order
  joints    (N,2,21,3)     mm, hand 0 = right, InterHand2.6M joint order; camera frame or root-relative,
                           either is fine because every metric roots each hand itself
  vertices  (N,2,778,3)    optional, MANO meshes in mm, any translation (needed for MPVPE)
  root_rel  (N,3)          optional, left wrist minus right wrist in mm (needed for MRRPE)
It must cover every sample of the split's annotation file, once. The ground truth is the official one:
annotated joints with the official root masking for `wrist` MPJPE / PA-MPJPE / MRRPE, and meshes built
from InterHand2.6M_{split}_MANO_NeuralAnnot.json with the given MANO model (InterHand2.6M's convention:
flat_hand_mean=False, left shapedirs fix) for MPVPE and the `mcp_scale` protocol. Without a MANO model
(mano_dir or $MAHM_MANO_DIR) only the joint metrics are scored.

`subset` picks the samples a published table used (protocols/subsets.py: all, interacting,
interwild_annotated, intaghand); the predictions must then cover that subset, and may hold other
samples of the split, which are ignored.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch

from ..data.interhand.interhand import mano_to_camera, world_to_camera
from ..data.interhand.interhand_index import InterHandIndex, build_index
from ..data.spec import InterHandSpec
from ..errors import DataError, MahmError
from .metrics import MetricAccumulator

CHUNK = 512  # samples per step: bounds the memory of the GT meshes


def evaluate_predictions(predictions_npz: Path, interhand_root: Path, split: str,
                         mano_dir: Optional[Path] = None, subset: str = "all",
                         aid_list: Optional[Path] = None) -> Dict[str, float]:
    """Metrics (metrics/metrics.py keys, mm) of the predictions over the `subset` of `split` (default every
    annotated sample), plus `n_samples`. DataError when the file is malformed, misses a sample of the
    subset or has ids that are not samples of the split."""
    return _evaluate(predictions_npz, interhand_root, split, mano_dir, subset, aid_list)[0]


def _evaluate(predictions_npz, interhand_root, split, mano_dir, subset, aid_list):
    """(metrics, the protocols.Subset scored)."""
    from ..protocols.subsets import select_subset

    path = Path(predictions_npz)
    pred = _load_predictions(path)
    full = build_index(Path(interhand_root), split, InterHandSpec(root=interhand_root, hand_type="all"),
                       require_mano=False)
    chosen = select_subset(full, Path(interhand_root), split, subset, aid_list)
    index = chosen.index
    if not len(index):
        raise DataError(f"{interhand_root}: {chosen.describe()}: no sample to score")
    known = full.ids if subset != "all" else None
    rows = _match_ids(pred["ids"], index.ids, path, split, known)
    mano_dir = mano_dir or os.environ.get("MAHM_MANO_DIR")
    layer = _mano_layer(Path(mano_dir)) if mano_dir else None
    acc = MetricAccumulator(("wrist", "mcp_scale") if layer is not None else ("wrist",))
    for start in range(0, len(index), CHUNK):
        at = np.arange(start, min(start + CHUNK, len(index)))
        batch = _ground_truth(index, at)
        stage = {k: torch.from_numpy(np.asarray(pred[k][rows[at]], np.float64))
                 for k in ("joints", "vertices", "root_rel") if k in pred and (k != "vertices" or layer is not None)}
        stage["joints_3d"] = stage.pop("joints")
        _check_finite(stage["joints_3d"], batch["joint_valid"], pred["ids"][rows[at]], path)
        gt_vertices = _gt_meshes(layer, index, at, batch) if layer is not None else None
        acc.update(stage, batch, gt_vertices, j_regressor=layer.J_regressor if layer is not None else None)
    return {**acc.compute(), "n_samples": float(len(index))}, chosen


def _load_predictions(path: Path) -> Dict[str, np.ndarray]:
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as err:
        why = "not an .npz archive" if "pickled" in str(err) or isinstance(err, EOFError) else str(err)
        raise DataError(f"{path}: cannot read the predictions .npz: {why} (expected the .npz that "
                        "`mahm-search predict` writes)") from None
    if not isinstance(data, np.lib.npyio.NpzFile):  # a single .npy array
        raise DataError(f"{path}: a single array, not an .npz archive (expected arrays ids, joints and "
                        "optionally vertices, root_rel, as `mahm-search predict` writes)")
    try:
        with data:
            pred = {k: data[k] for k in ("ids", "joints", "vertices", "root_rel") if k in data.files}
    except (OSError, ValueError) as err:
        raise DataError(f"{path}: cannot read the predictions .npz: {err}") from None
    for key in ("ids", "joints"):
        if key not in pred:
            raise DataError(f"{path}: missing array '{key}' (expected ids (N,), joints (N,2,21,3) mm, "
                            "optional vertices (N,2,778,3) and root_rel (N,3))")
    n = len(pred["ids"])
    shapes = {"ids": (n,), "joints": (n, 2, 21, 3), "vertices": (n, 2, 778, 3), "root_rel": (n, 3)}
    for key, value in pred.items():
        if value.shape != shapes[key]:
            raise DataError(f"{path}: '{key}' has shape {value.shape}, expected {shapes[key]}")
    if not np.issubdtype(pred["ids"].dtype, np.integer):
        raise DataError(f"{path}: 'ids' must be integers (official image ids), got {pred['ids'].dtype}")
    for key in ("joints", "vertices", "root_rel"):
        if key in pred and not (np.issubdtype(pred[key].dtype, np.floating) or np.issubdtype(pred[key].dtype, np.integer)):
            raise DataError(f"{path}: '{key}' must be real numbers (mm), got dtype {pred[key].dtype}")
    return pred


def _check_finite(joints: torch.Tensor, valid: torch.Tensor, ids: np.ndarray, path: Path) -> None:
    """NaN or inf is fine where the ground truth is not valid (a hand a method does not predict), but on
    a valid joint it would turn every mean into NaN: say where, instead."""
    bad = (~torch.isfinite(joints).all(-1)) & (valid > 0)
    if bad.any():
        rows = bad.flatten(1).any(1).nonzero().flatten()
        raise DataError(f"{path}: 'joints' is not finite at {int(bad.sum())} joint(s) that the ground truth marks "
                        f"valid (ids {ids[rows[:5].numpy()].tolist()}{' ...' if len(rows) > 5 else ''})")


def _match_ids(ids: np.ndarray, official: np.ndarray, path: Path, split: str,
              known: Optional[np.ndarray] = None) -> np.ndarray:
    """Row of the predictions for each official sample, in the official order. `known`: the split's ids
    when `official` is a subset of them (other samples of the split are then allowed, and ignored)."""
    unique, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        raise DataError(f"{path}: ids repeated: {unique[counts > 1][:5].tolist()}")
    order = np.argsort(ids)
    loc = np.minimum(np.searchsorted(ids[order], official), max(len(ids) - 1, 0))
    found = ids[order][loc] == official if len(ids) else np.zeros(len(official), bool)
    missing, extra = official[~found], np.setdiff1d(ids, official if known is None else known)
    parts = []
    if len(missing):
        parts.append(f"{len(missing)} {split} sample(s) have no prediction, e.g. ids {missing[:5].tolist()}")
    if len(extra):
        parts.append(f"{len(extra)} id(s) are not {split} samples, e.g. {extra[:5].tolist()}")
    if parts:
        what = f"the {len(official)} image ids of" if known is None else f"the {len(official)} subset ids of"
        raise DataError(f"{path}: " + "; ".join(parts) + f" (expected {what} InterHand2.6M_{split}_data.json)")
    return order[loc]


def _ground_truth(index: InterHandIndex, at: np.ndarray) -> Dict[str, torch.Tensor]:
    """The metrics' batch keys for samples `at`: camera-frame joints and the official validity."""
    cam, frame = index.camera[at], index.frame[at]
    joints = np.stack([world_to_camera(index.world[f].astype(np.float64), index.cam_R[c], index.cam_pos[c])
                       for c, f in zip(cam, frame)]).reshape(-1, 2, 21, 3)
    valid = index.joint_valid[at].reshape(-1, 2, 21).astype(np.float64)
    out = {"joints_3d": joints, "joint_valid": valid, "hand_valid": valid[:, :, 20],
           "mano_valid": index.mano_valid[frame], "hand_type": index.hand_type[at],
           "root_rel": joints[:, 1, 20] - joints[:, 0, 20]}
    return {k: torch.from_numpy(np.asarray(v, np.float64)) for k, v in out.items()}


def _mano_layer(folder: Path):
    from ..hands.layer import TwoHandMANO
    from ..hands.spec import ManoSpec

    return TwoHandMANO(ManoSpec(dir=folder, flat_hand_mean=False, fix_left_shapedirs=True)).eval()


@torch.no_grad()
def _gt_meshes(layer, index: InterHandIndex, at: np.ndarray, batch) -> torch.Tensor:
    """GT MANO meshes (B,2,778,3) mm, rotated into the camera; translation is left out (metrics root them)."""
    frame = index.frame[at]
    pose = np.stack([mano_to_camera(index.mano_pose[f], index.mano_valid[f], index.cam_R[c])
                     for c, f in zip(index.camera[at], frame)])
    return layer(torch.from_numpy(pose).float(), torch.from_numpy(index.mano_shape[frame]).float())["vertices"]


WRIST_IH = "wrist: InterHand2.6M official (per joint over samples, then over joints)"
WRIST_IW = "wrist: InterWild (mesh-regressed wrist; hands with a fit and a valid root)"
INTAGHAND = "mcp_scale: IntagHand (middle-MCP root, GT bone length)"
SUBSETS = {"": "all", "_single": "single-hand samples", "_interacting": "interacting samples",
           "_right": "right hand", "_left": "left hand"}
ROWS = (  # key, what it is, protocol
    [(f"mpjpe{k}", f"MPJPE, {what}", WRIST_IH) for k, what in SUBSETS.items()]
    + [("pa_mpjpe", "PA-MPJPE, all", "wrist: per-hand Procrustes, averaged like MPJPE"),
       ("mrrpe", "MRRPE", "InterHand2.6M official (interacting, both roots valid)")]
    + [(f"mpvpe{k}", f"MPVPE, {SUBSETS[k]}", WRIST_IW) for k in ("", "_single", "_interacting")]
    + [(f"{m}_mcp_scale", what, INTAGHAND) for m, what in (("mpjpe", "MPJPE"), ("mpvpe", "MPVPE"),
                                                          ("pa_mpjpe", "PA-MPJPE"))]
)


def evaluate_command(predictions: Path, interhand_root: Path, split: str, mano_dir: Optional[Path] = None,
                     subset: str = "all", aid_list: Optional[Path] = None) -> int:
    """Print a table of the predictions' metrics, each naming its protocol; 0 on success, 2 on an error."""
    try:
        metrics, chosen = _evaluate(predictions, interhand_root, split, mano_dir, subset, aid_list)
    except MahmError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{predictions}: {int(metrics['n_samples'])} InterHand2.6M {split} samples, mm (lower is better)")
    print(f"  {chosen.describe()}")
    for key, label, protocol in ROWS:
        if key in metrics:
            print(f"  {label:28s} {metrics[key]:9.3f}   {protocol}")
    if "mpjpe_mcp_scale" not in metrics:
        print("  (MPVPE and the mcp_scale protocol need a MANO model: mano_dir or $MAHM_MANO_DIR)")
    elif "mpvpe" not in metrics:
        print("  (no 'vertices' in the predictions: no MPVPE; mcp_scale MPJPE used the predicted joints)")
    return 0
