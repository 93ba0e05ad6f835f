"""Evaluation metrics for two-hand reconstruction, in mm, lower is better.

Two protocols; every key says which one it uses. Hand 0 = right, hand 1 = left, joints in InterHand2.6M
order (wrist = 20, middle-finger MCP = 11).

`wrist` (plain keys) reproduces the official evaluation code:
- `mpjpe` (facebookresearch/InterHand2.6M, data/InterHand2.6M/dataset.py, Dataset.evaluate): each hand is
  made relative to its own wrist; a joint counts where joint_valid is 1 (every joint of a hand whose root
  is invalid is invalid). Each of the 42 joints is averaged over the samples where it is valid, then the
  joint means are averaged: over all 42 (`mpjpe`), over one hand's 21 (`mpjpe_right`, `mpjpe_left`), or
  with the joint means taken over single-hand / interacting samples only (`mpjpe_single`,
  `mpjpe_interacting`). A joint valid in no sample is left out (the official code would fail there).
- `mrrpe` (same function): |pred - GT| of (left root - right root) over interacting samples whose two
  roots are valid. Protocol-free, so it is only reported here.
- `pa_mpjpe`: neither official code has one. Each hand's prediction is similarity-aligned (rotation,
  scale, translation; Umeyama) to the GT on its valid joints, then averaged exactly like `mpjpe`.
- `mpvpe` (facebookresearch/InterWild, data/InterHand26M/InterHand26M.py, evaluate / print_eval_result):
  each mesh, predicted and GT, is made relative to the wrist that MANO's right-hand J_regressor gives from
  that same mesh. A hand counts when the sample's hand type includes it, it has a MANO fit (mano_valid)
  and its root is valid (InterWild drops the fit of a hand with no valid joint). Each counted hand's mean
  vertex error is one entry; `mpvpe` averages all entries (`_right`/`_left`/`_single`/`_interacting`: a subset).

`mcp_scale` (keys suffixed `_mcp_scale`; Dw1010/IntagHand, apps/eval_interhand.py): the GT joints are
regressed from the GT mesh (MANO J_regressor + fingertip vertices 745, 317, 444, 556, 673), and so are the
predicted ones when the prediction has a mesh (else its joints_3d stand in). Each hand is rooted at its
middle MCP and the prediction scaled by GT / predicted wrist-to-middle-MCP length. Every joint and vertex
counts, on the hands of the sample's hand type that have a MANO fit; each hand is averaged over its
samples and joints (vertices), and a key is the mean of the two hand means. Gives lower numbers than
`wrist`: never compare across protocols.

`score` / `score_mcp_scale`: the mean of that protocol's mpjpe and mpvpe (whichever exist).

Batch keys: joints_3d, joint_valid, hand_valid, root_rel, mano_valid and, when the source knows it,
hand_type (2,) as the official `handtype_str2array` ([1, 0] right, [0, 1] left, [1, 1] interacting);
without it a hand is present when hand_valid is 1. For a whole set feed every batch to one
`MetricAccumulator`: it keeps a sum and a count per joint (and per hand for meshes), so its numbers equal
the official ones over the whole set.
"""

from __future__ import annotations

import math
import warnings
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import numpy as np
import torch

from ..hands.joints import MANO_TO_INTERHAND, ROOT
from .metric_names import GROUPS, HANDS, PRIMARY  # the one list of names (train.objective uses it)

MIDDLE_MCP = 11  # InterHand order: middle4 middle3 middle2 middle1 are joints 8..11
INTAGHAND_TIPS = (745, 317, 444, 556, 673)  # thumb, index, middle, ring, pinky (IntagHand's Jr)
PROTOCOLS = ("wrist", "mcp_scale")

Tables = Dict[str, Tuple[np.ndarray, np.ndarray]]  # key -> (sum of errors, count), per group/hand/joint


def procrustes_align(pred: torch.Tensor, gt: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Similarity-align pred (N, J, 3) to gt over joints with weight (N, J) > 0; returns aligned pred."""
    w = weight.unsqueeze(-1)
    # Joints of weight 0 may hold anything (NaN for a hand a method does not predict): NaN * 0 is NaN,
    # so they are zeroed before any sum rather than only weighted out.
    ok = w > 0
    pred, gt = torch.where(ok, pred, torch.zeros_like(pred)), torch.where(ok, gt, torch.zeros_like(gt))
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


def _per_hand(j_regressor: torch.Tensor) -> torch.Tensor:
    return j_regressor if j_regressor.dim() == 3 else j_regressor.expand(2, *j_regressor.shape)


def mesh_joints(vertices: torch.Tensor, j_regressor: torch.Tensor, tips=INTAGHAND_TIPS) -> torch.Tensor:
    """(B,2,V,3) meshes -> (B,2,21,3) joints, InterHand order: each hand's J_regressor (2,16,V) applied to
    the posed mesh, plus fingertip vertices (IntagHand's `Jr`)."""
    mano = torch.einsum("hjv,bhvc->bhjc", _per_hand(j_regressor).to(vertices), vertices)
    return torch.cat([mano, vertices[:, :, list(tips)]], 2)[:, :, list(MANO_TO_INTERHAND)]


def mesh_wrist(vertices: torch.Tensor, j_regressor: torch.Tensor) -> torch.Tensor:
    """(B,2,V,3) -> (B,2,3): InterWild roots both hands with the right hand's wrist row of J_regressor."""
    return torch.einsum("v,bhvc->bhc", _per_hand(j_regressor)[0, 0].to(vertices), vertices)


def _table(err: torch.Tensor, mask: torch.Tensor, group: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
    """Sums and counts of err over the batch, per group (single, interacting) and trailing index."""
    ok = mask > 0
    spec = "bg,bh...->gh..."
    s = torch.einsum(spec, group, torch.where(ok, err, torch.zeros_like(err)))
    return s.cpu().double().numpy(), torch.einsum(spec, group, ok.to(err)).cpu().double().numpy()


def _per_sample(err: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    """Each sample's mean over its counted entries (NaN where none)."""
    ok = mask > 0
    s = torch.where(ok, err, torch.zeros_like(err)).flatten(1).sum(1)
    c = ok.flatten(1).sum(1).to(err)
    return torch.where(c > 0, s / c.clamp_min(1), torch.full_like(s, math.nan)).cpu().double().numpy()


def batch_errors(pred_stage: Mapping[str, torch.Tensor], batch: Mapping[str, torch.Tensor],
                 gt_vertices: Optional[torch.Tensor] = None, protocols: Iterable[str] = ("wrist",), *,
                 j_regressor: Optional[torch.Tensor] = None) -> Tuple[Tables, Dict[str, np.ndarray]]:
    """(tables, per-sample means) of one batch; see the module doc for keys and protocols.

    gt_vertices (B,2,778,3) and j_regressor (2,16,778) or (16,778), MANO's, are needed for mpvpe and for
    the whole mcp_scale protocol; meshes may be in any frame (each is rooted here).
    """
    with torch.no_grad():
        pj = pred_stage["joints_3d"]
        pj = pj.to(torch.float32 if pj.device.type == "mps" else torch.float64)  # float64: exact sums
        gj = batch["joints_3d"].to(pj)
        jv = batch["joint_valid"].to(pj) * batch["hand_valid"].to(pj)[..., None]
        jv = jv * jv[..., ROOT:ROOT + 1]  # an invalid root invalidates the whole hand
        present = batch["hand_type"].to(pj) if "hand_type" in batch else batch["hand_valid"].to(pj)
        present = (present > 0).to(pj)
        group = torch.stack([1 - present.prod(1), present.prod(1)], 1)  # one-hot single / interacting
        fitted = present * (batch["mano_valid"].to(pj) > 0) if "mano_valid" in batch else present
        pv = pred_stage["vertices"].to(pj) if "vertices" in pred_stage and gt_vertices is not None else None
        gv = gt_vertices.to(pj) if gt_vertices is not None else None
        reg = j_regressor.to(pj) if j_regressor is not None else None
        tables: Tables = {}
        samples: Dict[str, np.ndarray] = {}
        for protocol in protocols:
            if protocol not in PROTOCOLS:
                raise ValueError(f"metrics protocol must be one of {PROTOCOLS}, got {protocol!r}")
            if (protocol == "mcp_scale" or pv is not None) and (gv is None or reg is None):
                raise ValueError("mpvpe and the mcp_scale protocol need gt_vertices and j_regressor "
                                 "(meshes are rooted on joints regressed from them)")
            if protocol == "wrist":
                sfx, root, p, g, valid = "", ROOT, pj, gj, jv
                scale = torch.ones_like(pj[..., 0, 0])
            else:  # IntagHand: joints regressed from the meshes, middle-MCP root, GT bone length
                sfx, root, g = "_mcp_scale", MIDDLE_MCP, mesh_joints(gv, reg)
                p = mesh_joints(pv, reg) if pv is not None else pj
                scale = _bone(g) / _bone(p).clamp_min(1e-9)
                valid = fitted[..., None].expand_as(jv)
            p_rel = (p - p[..., root:root + 1, :]) * scale[..., None, None]
            g_rel = g - g[..., root:root + 1, :]
            err = (p_rel - g_rel).norm(dim=-1)  # (B, 2, 21)
            tables["mpjpe" + sfx] = _table(err, valid, group)
            samples["mpjpe" + sfx] = _per_sample(err, valid)
            aligned = procrustes_align(p_rel.flatten(0, 1), g_rel.flatten(0, 1), valid.flatten(0, 1))
            pa_err = (aligned.view_as(g_rel) - g_rel).norm(dim=-1)
            tables["pa_mpjpe" + sfx] = _table(pa_err, valid, group)
            samples["pa_mpjpe" + sfx] = _per_sample(pa_err, valid)
            if pv is not None:
                if protocol == "wrist":  # InterWild: each mesh on the wrist regressed from itself
                    pv_rel = pv - mesh_wrist(pv, reg)[:, :, None]
                    gv_rel = gv - mesh_wrist(gv, reg)[:, :, None]
                    counted = fitted * (jv[..., ROOT] > 0)
                else:
                    pv_rel = (pv - p[..., root:root + 1, :]) * scale[..., None, None]
                    gv_rel = gv - g[..., root:root + 1, :]
                    counted = fitted
                verr = (pv_rel - gv_rel).norm(dim=-1).mean(-1)  # (B, 2): one entry per hand
                tables["mpvpe" + sfx] = _table(verr, counted, group)
                samples["mpvpe" + sfx] = _per_sample(verr, counted)
        if "root_rel" in pred_stage and "root_rel" in batch:
            both = present.prod(1) * jv[:, 0, ROOT] * jv[:, 1, ROOT]  # interacting, both roots valid
            rr = (pred_stage["root_rel"].to(pj) - batch["root_rel"].to(pj)).norm(dim=-1)
            tables["mrrpe"] = _table(rr[:, None], both[:, None], group)
    return tables, samples


def _bone(joints: torch.Tensor) -> torch.Tensor:
    """Wrist-to-middle-MCP length per hand, (B, 2) (IntagHand's scale reference)."""
    return (joints[..., MIDDLE_MCP, :] - joints[..., ROOT, :]).norm(dim=-1)


def metric_sums(pred_stage, batch, gt_vertices=None, protocols=("wrist",), *, j_regressor=None) -> Tables:
    """Sums and counts of one batch, to add up over a set and pass to `finalize`."""
    return batch_errors(pred_stage, batch, gt_vertices, protocols, j_regressor=j_regressor)[0]


def _ratio(s, c) -> float:
    return float(np.sum(s) / np.sum(c)) if np.sum(c) > 0 else math.nan


def _mean_of_means(s: np.ndarray, c: np.ndarray) -> float:
    """Mean over entries of sum/count, skipping entries with no count."""
    s, c = np.asarray(s).ravel(), np.asarray(c).ravel()
    return float(np.mean(s[c > 0] / c[c > 0])) if np.any(c > 0) else math.nan


def finalize(tables: Tables) -> Dict[str, float]:
    """The metrics (module doc) from summed tables; NaN where nothing counted."""
    out: Dict[str, float] = {}
    for sfx in ("", "_mcp_scale"):
        for name in ("mpjpe", "pa_mpjpe"):
            if name + sfx not in tables:
                continue
            s, c = tables[name + sfx]  # (group, hand, joint)
            if not sfx:  # InterHand2.6M: per joint over samples, then over joints
                out[name] = _mean_of_means(s.sum(0), c.sum(0))
                hand_mean = [_mean_of_means(s.sum(0)[h], c.sum(0)[h]) for h in range(2)]
                group_mean = [_mean_of_means(s[g], c[g]) for g in range(2)]
            else:  # IntagHand: per hand over samples and joints, then over the two hands
                out[name + sfx] = _mean_of_means(s.sum((0, 2)), c.sum((0, 2)))
                hand_mean = [_ratio(s[:, h], c[:, h]) for h in range(2)]
                group_mean = [_mean_of_means(s[g].sum(-1), c[g].sum(-1)) for g in range(2)]
            out.update({f"{name}_{hand}{sfx}": v for hand, v in zip(HANDS, hand_mean)})
            out.update({f"{name}_{grp}{sfx}": v for grp, v in zip(GROUPS, group_mean)})
        if "mpvpe" + sfx in tables:
            s, c = tables["mpvpe" + sfx]  # (group, hand)
            # InterWild pools every counted hand; IntagHand averages the two hand means.
            out["mpvpe" + sfx] = _ratio(s, c) if not sfx else _mean_of_means(s.sum(0), c.sum(0))
            out.update({f"mpvpe_{hand}{sfx}": _ratio(s[:, h], c[:, h]) for h, hand in enumerate(HANDS)})
            out.update({f"mpvpe_{grp}{sfx}": _ratio(s[g], c[g]) if not sfx else _mean_of_means(s[g], c[g])
                        for g, grp in enumerate(GROUPS)})
        if "mpjpe" + sfx in out:
            parts = [out[k] for k in ("mpjpe" + sfx, "mpvpe" + sfx) if k in out and not math.isnan(out[k])]
            out["score" + sfx] = sum(parts) / len(parts) if parts else math.nan
    if "mrrpe" in tables:
        out["mrrpe"] = _ratio(*tables["mrrpe"])
    # A breakdown with nothing in it (e.g. no single-hand sample in synthetic data) is left out rather
    # than reported as NaN, so histories, checkpoints and records stay finite and comparable.
    return {k: v for k, v in out.items() if not (math.isnan(v) and k.split("_mcp_scale")[0] not in PRIMARY)}


class MetricAccumulator:
    """Adds the per-joint (per-hand for meshes) sums and counts of every batch, so `compute()` gives the
    official whole-set numbers. keep_per_sample=True also keeps each sample's errors (`per_sample`)."""

    def __init__(self, protocols: Iterable[str] = ("wrist",), keep_per_sample: bool = False):
        self.protocols = tuple(protocols)
        self.keep_per_sample = keep_per_sample
        self.sums: Tables = {}
        self._samples: Dict[str, List[np.ndarray]] = {}

    def update(self, pred_stage, batch, gt_vertices=None, *, j_regressor=None) -> None:
        tables, samples = batch_errors(pred_stage, batch, gt_vertices, self.protocols, j_regressor=j_regressor)
        for key, (s, c) in tables.items():
            s0, c0 = self.sums.get(key, (0.0, 0.0))
            self.sums[key] = (s0 + s, c0 + c)
        if self.keep_per_sample:
            for key, values in samples.items():
                self._samples.setdefault(key, []).append(values)

    def compute(self) -> Dict[str, float]:
        return finalize(self.sums)

    def per_sample(self, key: str = "score") -> np.ndarray:
        """Each sample's error in the order fed, (N,): `mpjpe` or `pa_mpjpe` (mean over its valid joints),
        `mpvpe` (mean over its counted hands) or `score` (mean of mpjpe and mpvpe, those present), each
        optionally `_mcp_scale`. NaN where a sample counts nothing."""
        if not self.keep_per_sample:
            raise ValueError("per_sample() needs MetricAccumulator(keep_per_sample=True)")
        if key.startswith("score"):
            parts = [self.per_sample(key.replace("score", m)) for m in ("mpjpe", "mpvpe")
                     if key.replace("score", m) in self._samples]
            with warnings.catch_warnings():  # all-NaN rows stay NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.nanmean(np.stack(parts), 0) if parts else np.zeros(0)
        return np.concatenate(self._samples[key]) if key in self._samples else np.zeros(0)


def compute_metrics(pred_stage: Mapping[str, torch.Tensor], batch: Mapping[str, torch.Tensor],
                    gt_vertices: Optional[torch.Tensor] = None, protocols: Iterable[str] = ("wrist",), *,
                    j_regressor: Optional[torch.Tensor] = None) -> Dict[str, float]:
    """Metrics of one batch (keys in the module doc). For a whole set use MetricAccumulator."""
    return finalize(metric_sums(pred_stage, batch, gt_vertices, protocols, j_regressor=j_regressor))
