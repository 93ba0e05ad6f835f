"""A trained run's validation score and PA-MPJPE against the blind mean hand, computed here with numpy.

    python benchmarks/check_marks.py RUN_DIR [--score-mark 0.5] [--pa-mark 0.7]

RUN_DIR holds the checkpoint.pt that `mahm-search train` wrote. The model's predictions and the data's
labels come from the project (its checkpoint, its datasets, its MANO layer for the ground-truth meshes);
everything after that is computed here without the project's metrics or blind baseline: the training
set's mean root-relative hands, each hand's similarity (Umeyama) alignment, MPJPE and PA-MPJPE per joint
then averaged, MPVPE on meshes rooted at the wrist that the right hand's J_regressor row gives (InterWild),
score = mean(MPJPE, MPVPE). Synthetic data only (every joint and hand is valid there). Exit status 1 when
a mark is missed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = 20  # InterHand2.6M joint order: the wrist


def umeyama(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(N,21,3) -> pred similarity-aligned to gt, per hand (rotation, scale, translation)."""
    mp, mg = pred.mean(1, keepdims=True), gt.mean(1, keepdims=True)
    p, g = pred - mp, gt - mg
    u, s, vt = np.linalg.svd(np.einsum("nji,njk->nik", p, g))  # covariance p^T g
    d = np.sign(np.linalg.det(np.einsum("nij,njk->nik", u, vt)))
    s[:, -1] *= d
    u[:, :, -1] *= d[:, None]
    rot = np.einsum("nij,njk->nik", u, vt)  # p @ rot best matches g
    scale = s.sum(1) / (p ** 2).sum((1, 2))
    return scale[:, None, None] * np.einsum("nji,nik->njk", p, rot) + mg


def metrics(joints: np.ndarray, meshes: np.ndarray, gt_joints: np.ndarray, gt_meshes: np.ndarray,
            wrist_row: np.ndarray) -> dict:
    """(N,2,21,3) joints and (N,2,V,3) meshes, predicted (or broadcast) and true -> mm."""
    rel = lambda j: j - j[:, :, ROOT:ROOT + 1]  # noqa: E731
    pj, gj = rel(np.broadcast_to(joints, gt_joints.shape)), rel(gt_joints)
    mpjpe = np.linalg.norm(pj - gj, axis=-1).mean(0).mean()  # per joint over samples, then over joints
    aligned = umeyama(pj.reshape(-1, 21, 3), gj.reshape(-1, 21, 3)).reshape(gj.shape)
    pa = np.linalg.norm(aligned - gj, axis=-1).mean(0).mean()
    root = lambda m: m - np.einsum("v,nhvc->nhc", wrist_row, m)[:, :, None]  # noqa: E731
    pm, gm = root(np.broadcast_to(meshes, gt_meshes.shape)), root(gt_meshes)
    mpvpe = np.linalg.norm(pm - gm, axis=-1).mean()
    return {"mpjpe": mpjpe, "mpvpe": mpvpe, "score": (mpjpe + mpvpe) / 2, "pa_mpjpe": pa}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--score-mark", type=float, default=0.5)
    parser.add_argument("--pa-mark", type=float, default=0.7)
    args = parser.parse_args()
    from mahm_search.config import trial_config
    from mahm_search.data.build import build_datasets
    from mahm_search.model.builder import build_model
    from mahm_search.train.batches import val_batches
    from mahm_search.train.checkpoint import load_checkpoint
    from mahm_search.train.step.step import to_device

    state = load_checkpoint(args.run_dir / "checkpoint.pt")
    config = trial_config(state["config"], str(args.run_dir / "checkpoint.pt"))
    if config.data.source != "synthetic":
        sys.exit("check_marks.py: synthetic runs only (InterHand2.6M has invalid joints and hands to mask)")
    model = build_model(config.arch, config.mano)
    model.load_state_dict(state["model"])
    model.eval()
    train_set, val_set = build_datasets(config.data, config.mano)
    mano = model.mano

    def labels(dataset) -> tuple[np.ndarray, np.ndarray]:
        """True joints and MANO meshes (mm) of every sample, never augmented."""
        raws = [dataset.raw_sample(i) for i in range(len(dataset))]
        joints = np.stack([r["joints_3d"] for r in raws]).astype(np.float64)
        pose = torch.as_tensor(np.stack([r["mano_pose"] for r in raws]))
        shape = torch.as_tensor(np.stack([r["mano_shape"] for r in raws]))
        with torch.no_grad():
            meshes = np.concatenate([mano(pose[i:i + 512], shape[i:i + 512])["vertices"].double().numpy()
                                     for i in range(0, len(raws), 512)])
        return joints, meshes

    train_joints, train_meshes = labels(train_set)
    val_joints, val_meshes = labels(val_set)
    pred_joints, pred_meshes = [], []
    with torch.no_grad():
        for batch in val_batches(val_set, 32):
            last = model(to_device(batch, torch.device("cpu"))["image"])["stages"][-1]
            pred_joints.append(last["joints_3d"].double().numpy())
            pred_meshes.append(last["vertices"].double().numpy())
    wrist_row = mano.J_regressor[0, 0].double().numpy()
    model_m = metrics(np.concatenate(pred_joints), np.concatenate(pred_meshes), val_joints, val_meshes, wrist_row)
    rel_train = train_joints - train_joints[:, :, ROOT:ROOT + 1]
    mesh_train = train_meshes - np.einsum("v,nhvc->nhc", wrist_row, train_meshes)[:, :, None]
    blind_m = metrics(rel_train.mean(0)[None], mesh_train.mean(0)[None], val_joints, val_meshes, wrist_row)
    print(f"{args.run_dir}: {len(val_set)} validation samples, step {state['step']}, "
          f"{len(train_set)} training samples for the mean hand")
    print(f"{'metric':<10}{'model':>10}{'blind':>10}{'ratio':>8}")
    for key in ("mpjpe", "mpvpe", "score", "pa_mpjpe"):
        print(f"{key:<10}{model_m[key]:>10.2f}{blind_m[key]:>10.2f}{model_m[key] / blind_m[key]:>8.3f}")
    marks = {"score": args.score_mark, "pa_mpjpe": args.pa_mark}
    missed = [k for k, mark in marks.items() if model_m[k] / blind_m[k] > mark]
    for k, mark in marks.items():
        print(f"mark {k} <= {mark}x blind: {'met' if k not in missed else 'NOT met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
