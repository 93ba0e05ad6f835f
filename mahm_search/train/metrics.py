"""Evaluation metrics for two-hand reconstruction, in mm, lower is better.

Two protocols; every key says which one it uses:
- `wrist` (InterHand2.6M official; plain keys `mpjpe`, `mpvpe`, `pa_mpjpe`, `mrrpe`, `score`): each hand
  is made relative to its own wrist (joint 20); errors are averaged over valid joints only (a hand whose
  root is invalid counts no joints). MPVPE: the GT mesh is rooted at the wrist MANO regresses from it
  (`gt_mesh_joints`, InterWild); without them `gt_vertices` must already be rooted at their own MANO
  wrist (as train/targets.py gives them). Only hands with a real MANO fit count. MRRPE: error of the left root relative to the right root, on samples with both roots valid.
- `mcp_scale` (IntagHand; keys suffixed `_mcp_scale`): root on the middle-finger MCP (joint 11) and the
  prediction rescaled so its wrist-to-middle-MCP bone has the GT length. Gives lower numbers than `wrist`;
  do not compare across protocols. MRRPE is protocol-free and only reported under `mrrpe`.
PA-MPJPE aligns each hand with a similarity Procrustes (rotation, scale, translation) on its valid joints.

To aggregate over a validation set correctly (mean over all valid joints, not a mean of batch means),
feed every batch to one `MetricAccumulator` and call `compute()` at the end.
"""

from __future__ import annotations

import math
from typing import Dict, Iterable, Mapping, Optional, Tuple

import torch

from ..hands.joints import ROOT

MIDDLE_MCP = 11  # InterHand order: middle4 middle3 middle2 middle1 are joints 8..11
PROTOCOLS = ("wrist", "mcp_scale")
HANDS = ("right", "left")


def procrustes_align(pred: torch.Tensor, gt: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Similarity-align pred (N, J, 3) to gt over joints with weight (N, J) > 0; returns aligned pred."""
    w = weight.unsqueeze(-1)
    n = w.sum(1, keepdim=True).clamp_min(1e-8)
    mu_p, mu_g = (pred * w).sum(1, keepdim=True) / n, (gt * w).sum(1, keepdim=True) / n
    p0, g0 = pred - mu_p, gt - mu_g
    cov = (g0 * w).transpose(1, 2) @ p0  # (N, 3, 3)
    u, s, vh = torch.linalg.svd(cov)
    d = torch.sign(torch.linalg.det(u @ vh))  # no reflections
    fix = torch.ones_like(s)
    fix[:, -1] = d
    rot = u @ torch.diag_embed(fix) @ vh
    var_p = ((p0 ** 2) * w).sum((1, 2)).clamp_min(1e-8)
    scale = (s * fix).sum(1) / var_p
    return scale[:, None, None] * p0 @ rot.transpose(1, 2) + mu_g


def _root(points: torch.Tensor, joints: torch.Tensor, index: int) -> torch.Tensor:
    return points - joints[..., index:index + 1, :]


def _sum_count(err: torch.Tensor, mask: torch.Tensor) -> Tuple[float, float]:
    return float((err * mask).sum()), float(mask.sum())


def metric_sums(pred_stage: Mapping[str, torch.Tensor], batch: Mapping[str, torch.Tensor],
                gt_vertices: Optional[torch.Tensor] = None, gt_mesh_joints: Optional[torch.Tensor] = None,
                protocols: Iterable[str] = ("wrist",)) -> Dict[str, Tuple[float, float]]:
    """(sum of errors, count) per metric key for one batch; see the module doc for keys and protocols."""
    with torch.no_grad():
        pj = pred_stage["joints_3d"].float()
        gj = batch["joints_3d"].to(pj).float()
        jv = batch["joint_valid"].to(pj).float() * batch["hand_valid"].to(pj).float()[..., None]
        jv = jv * jv[..., ROOT:ROOT + 1]  # an invalid root invalidates the whole hand
        has_mesh = gt_vertices is not None and "vertices" in pred_stage
        if has_mesh:
            pv, gv = pred_stage["vertices"].float(), gt_vertices.to(pj).float()
            mesh_ok = batch["mano_valid"].to(pj).float() if "mano_valid" in batch else torch.ones_like(jv[..., 0])
            # Joints in the GT mesh's frame: given, or the annotated ones moved to a wrist-rooted mesh.
            gv_joints = gt_mesh_joints.to(pj).float() if gt_mesh_joints is not None else _root(gj, gj, ROOT)
        out: Dict[str, Tuple[float, float]] = {}
        for protocol in protocols:
            if protocol not in PROTOCOLS:
                raise ValueError(f"metrics protocol must be one of {PROTOCOLS}, got {protocol!r}")
            suffix = "" if protocol == "wrist" else "_" + protocol
            root = ROOT if protocol == "wrist" else MIDDLE_MCP
            valid = jv if protocol == "wrist" else jv * jv[..., MIDDLE_MCP:MIDDLE_MCP + 1]
            g = _root(gj, gj, root)
            p = _root(pj, pj, root)
            scale = _bone_scale(pj, gj) if protocol == "mcp_scale" else torch.ones_like(pj[..., 0, 0])
            p = p * scale[..., None, None]
            err = (p - g).norm(dim=-1)  # (B, 2, 21)
            out["mpjpe" + suffix] = _sum_count(err, valid)
            for h, name in enumerate(HANDS):
                out[f"mpjpe_{name}{suffix}"] = _sum_count(err[:, h], valid[:, h])
            aligned = procrustes_align(p.flatten(0, 1), g.flatten(0, 1), valid.flatten(0, 1))
            pa_err = (aligned - g.flatten(0, 1)).norm(dim=-1)
            out["pa_mpjpe" + suffix] = _sum_count(pa_err, valid.flatten(0, 1))
            if has_mesh:
                verr = (_root(pv, pj, root) * scale[..., None, None] - _root(gv, gv_joints, root)).norm(dim=-1)
                hand_ok = (mesh_ok * (valid[..., root] > 0)).unsqueeze(-1).expand_as(verr)
                out["mpvpe" + suffix] = _sum_count(verr, hand_ok)
                for h, name in enumerate(HANDS):
                    out[f"mpvpe_{name}{suffix}"] = _sum_count(verr[:, h], hand_ok[:, h])
        if "root_rel" in pred_stage and "root_rel" in batch:
            both = jv[:, 0, ROOT] * jv[:, 1, ROOT]
            rr = (pred_stage["root_rel"].float() - batch["root_rel"].to(pj).float()).norm(dim=-1)
            out["mrrpe"] = _sum_count(rr, both)
    return out


def _bone_scale(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """GT / predicted wrist-to-middle-MCP length per hand, (B, 2) (IntagHand's rescaling)."""
    bone = lambda j: (j[..., MIDDLE_MCP, :] - j[..., ROOT, :]).norm(dim=-1)  # noqa: E731
    return bone(gt) / bone(pred).clamp_min(1e-6)


def finalize(sums: Mapping[str, Tuple[float, float]]) -> Dict[str, float]:
    """Means from (sum, count); NaN where nothing counted; `score` = mean of mpjpe and mpvpe per protocol."""
    out = {k: (s / c if c > 0 else math.nan) for k, (s, c) in sums.items()}
    for suffix in ("", "_mcp_scale"):
        if "mpjpe" + suffix in out:
            parts = [out[k] for k in ("mpjpe" + suffix, "mpvpe" + suffix) if k in out and not math.isnan(out[k])]
            out["score" + suffix] = sum(parts) / len(parts) if parts else math.nan
    return out


class MetricAccumulator:
    """Sums errors and counts over batches, so the final means are over all valid joints/vertices."""

    def __init__(self, protocols: Iterable[str] = ("wrist",)):
        self.protocols = tuple(protocols)
        self.sums: Dict[str, Tuple[float, float]] = {}

    def update(self, pred_stage, batch, gt_vertices=None, gt_mesh_joints=None) -> None:
        for key, (s, c) in metric_sums(pred_stage, batch, gt_vertices, gt_mesh_joints, self.protocols).items():
            s0, c0 = self.sums.get(key, (0.0, 0.0))
            self.sums[key] = (s0 + s, c0 + c)

    def compute(self) -> Dict[str, float]:
        return finalize(self.sums)


def compute_metrics(pred_stage: Mapping[str, torch.Tensor], batch: Mapping[str, torch.Tensor],
                    gt_vertices: Optional[torch.Tensor] = None, gt_mesh_joints: Optional[torch.Tensor] = None,
                    protocols: Iterable[str] = ("wrist",)) -> Dict[str, float]:
    """Metrics of one batch (keys in the module doc). For a whole set use MetricAccumulator."""
    return finalize(metric_sums(pred_stage, batch, gt_vertices, gt_mesh_joints, protocols))
