"""MAHMLoss: the weighted, deep-supervised training loss of a MAHM network.

Terms (each a masked mean; units chosen so that untrained magnitudes are of similar size):
- joints_3d: L1 on root-relative joints, in cm (mm * MM_TO_LOSS); mask joint_valid * hand_valid.
- joints_2d: L1 on joints normalised to [-1, 1] by the crop size; mask joint_valid * hand_valid.
- pose:      squared error on ROTATION MATRICES of the 16 MANO joint rotations (from axis-angle with
             smplx's batch_rodrigues): no 2*pi ambiguity, as in HMR/SPIN; mask mano_valid * hand_valid.
- shape:     squared error on beta; mask mano_valid * hand_valid.
- root_rel:  L1 on the left-minus-right root offset, in cm; mask: both hands valid.
- vertices:  L1 on root-relative vertices, in cm; GT from ground_truth() (MANO on GT pose/shape);
             mask mano_valid * hand_valid.
- joints_pa: Euclidean error of each hand's joints after similarity (Procrustes) alignment to the
             truth, in cm: PA-MPJPE as a loss, so articulation counts apart from global rotation.
             Computed only when its weight is > 0; mask as joints_3d (hands with < 4 valid joints: 0).
- heatmap:   squared error to Gaussian targets (only when outputs["heatmaps"] is not None);
             mask joint_valid * hand_valid. With the integral joint head (outputs["joints_25d"]) instead:
             L1 on its (u, v) in [-1, 1] and on its wrist-relative depth z (model/heads/joint_head.py units),
             plus INTEGRAL_CE_WEIGHT x the cross-entropy of its softmax against a normalised Gaussian of
             INTEGRAL_SIGMA map pixels: the expectation alone learns slowly where the map is still flat.
Every stage is supervised; stage k of K gets stage_decay**(K-1-k), normalised to sum 1 (so the loss
scale does not grow with depth). Each term's denominator is a count of valid entries that can be taken
from the FULL batch (`denominators`), so micro-batch losses add up exactly to the big-batch loss.
"""

from __future__ import annotations

import math

import torch
from smplx.lbs import batch_rodrigues
from torch import nn

from ...hands.joints import ROOT
from ...model.heads.joint_head import DEPTH_UNIT_MM
from .heatmap_targets import gaussian_heatmaps
from ..spec import LossSpec

MM_TO_LOSS = 0.1  # 3D distances enter the loss in centimetres
INTEGRAL_CE_WEIGHT = 0.1  # measured on the synthetic data: 2D error 3.2 -> 2.7 px after 1600 steps
INTEGRAL_SIGMA = 1.0
SAMPLES = "samples"  # denominators' entry: the full batch's sample count
TERMS = ("joints_3d", "joints_2d", "pose", "shape", "root_rel", "vertices", "heatmap", "joints_pa")


def _masks(batch: dict) -> dict[str, torch.Tensor]:
    hand = batch["hand_valid"].float()
    joint = batch["joint_valid"].float() * hand[:, :, None]  # (B,2,21)
    mano = batch["mano_valid"].float() * hand  # (B,2)
    both = hand[:, 0] * hand[:, 1]  # (B,)
    return {"joints_3d": joint, "joints_2d": joint, "pose": mano, "shape": mano,
            "root_rel": both, "vertices": mano, "heatmap": joint.flatten(1), "joints_pa": joint}


def _masked_sum(err: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sum of err over entries whose leading dims are valid (mask broadcasts over trailing dims)."""
    mask = mask.reshape(mask.shape + (1,) * (err.dim() - mask.dim()))
    return (err * mask).sum()


def _stage_weighted_sum(err: torch.Tensor, mask: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """err (S, *mask.shape, ...) of S stacked stages -> sum over stages of weight * masked sum. Each
    masked unit (joint, hand, sample) is summed first, so the mask multiplies those few sums rather
    than every element (the vertex term has 0.6M of them at batch 16)."""
    per_unit = err.flatten(1 + mask.dim()).sum(-1) if err.dim() > 1 + mask.dim() else err
    return weights @ (per_unit * mask).flatten(1).sum(1)


class MAHMLoss(nn.Module):
    def __init__(self, spec: LossSpec = LossSpec(), weights: dict[str, float] | None = None):
        super().__init__()
        self.spec = spec
        self.weights = dict(weights if weights is not None else spec.weights.model_dump())
        # Loss-term plug-ins (loss.weights.<name>): fn(outputs, batch, gt) -> the batch's mean, a scalar
        self.plugin_terms = spec.weights.plugin_terms()
        self._plugins = plugin_term_functions(self.plugin_terms)
        self._stage_weight_tensors: dict = {}  # (n_stages, device) -> tensor, made once (see stage_terms)

    def set_weights(self, weights: dict[str, float]) -> None:
        # older checkpoints lack joints_pa (off)
        self.weights = {t: float(weights.get(t, 0.0)) for t in (*TERMS, *self.plugin_terms)}

    @staticmethod
    def denominators(batch: dict) -> dict[str, torch.Tensor]:
        """Number of valid units per term (joints, hands, samples); pass the full batch's counts when
        the loss is evaluated on micro-batches of it."""
        den = {t: m.sum().clamp_min(1.0) for t, m in _masks(batch).items()}
        # plug-in terms are batch means, scaled by their share of it; a device op, not a host-to-device copy
        den[SAMPLES] = torch.ones_like(batch["hand_valid"][:, 0]).sum()
        return den

    def stage_weights(self, n_stages: int) -> list[float]:
        w = [self.spec.stage_decay ** (n_stages - 1 - k) for k in range(n_stages)]
        return [x / sum(w) for x in w]

    def _stage_weight_tensor(self, n_stages: int, device: torch.device) -> torch.Tensor:
        """Made once per device, then reused: a host-to-device copy inside a CUDA graph capture is an
        error. Under torch.compile it is a graph constant (a cache would only add a recompile)."""
        if torch.compiler.is_compiling():
            return torch.tensor(self.stage_weights(n_stages), device=device)
        key = (n_stages, device)
        if key not in self._stage_weight_tensors:
            self._stage_weight_tensors[key] = torch.tensor(self.stage_weights(n_stages), device=device)
        return self._stage_weight_tensors[key]

    def stage_terms(self, stages: list[dict], batch: dict, gt: dict, masks: dict, den: dict) -> dict:
        """Each term of every stage at once, stage-weighted: the stages' predictions are stacked on a
        leading axis, so the loss is ~30 ops for any depth instead of ~30 per stage (8 stages: 2/3
        fewer small ops forward and backward)."""
        size = batch["image"].shape[-1]
        b = batch["image"].shape[0]
        n = len(stages)
        weights = self._stage_weight_tensor(n, batch["image"].device)

        def stacked(key: str) -> torch.Tensor:
            return torch.stack([stage[key] for stage in stages]).float()

        gt_j3d = batch["joints_3d"] - batch["joints_3d"][:, :, ROOT : ROOT + 1]
        pred_pose = batch_rodrigues(stacked("pose").reshape(-1, 3)).view(n, b, 2, -1)
        gt_pose = batch_rodrigues(batch["mano_pose"].float().reshape(-1, 3)).view(b, 2, -1)
        errs = {  # term: (error per element, its scale): scales apply to the reduced sums
            "joints_3d": ((stacked("joints_3d") - gt_j3d).abs(), MM_TO_LOSS),
            "joints_2d": ((stacked("joints_2d") - batch["joints_2d"]).abs(), 2.0 / size),
            "pose": ((pred_pose - gt_pose) ** 2, 1.0),
            "shape": ((stacked("shape") - batch["mano_shape"]) ** 2, 1.0),
            "root_rel": ((stacked("root_rel") - batch["root_rel"]).abs(), MM_TO_LOSS),
            "vertices": ((stacked("vertices") - gt["vertices"]).abs(), MM_TO_LOSS),
        }
        if self.weights.get("joints_pa", 0.0) > 0:
            errs["joints_pa"] = (aligned_joint_errors(stacked("joints_3d"), gt_j3d, masks["joints_pa"]), MM_TO_LOSS)
        out = {}
        for t, (e, scale) in errs.items():
            per_unit = math.prod(e.shape[1 + masks[t].dim():])  # elements per masked unit
            out[t] = _stage_weighted_sum(e, masks[t], weights) * (scale / per_unit) / den[t]
        return out

    def terms(self, outputs: dict, batch: dict, gt: dict, denominators: dict | None = None) -> dict:
        """Unweighted terms, each the stage-weighted mean over all stages (heatmap: once)."""
        masks = _masks(batch)
        den = denominators if denominators is not None else self.denominators(batch)
        out = self.stage_terms(outputs["stages"], batch, gt, masks, den)
        heatmaps = outputs.get("heatmaps")
        if heatmaps is not None:
            target = gaussian_heatmaps(batch["joints_2d"], batch["image"].shape[-1], heatmaps.shape[-2:])
            err = (heatmaps.float() - target) ** 2
            out["heatmap"] = _masked_sum(err, masks["heatmap"]) / (den["heatmap"] * err[0, 0].numel())
        elif outputs.get("joints_25d") is not None:  # the integral head has no Gaussian heatmaps
            out["heatmap"] = integral_term(outputs["joints_25d"], outputs["joint_logits"], batch, masks["heatmap"],
                                           den["heatmap"])
        for name, fn in self._plugins.items():
            if self.weights.get(name, 0.0) > 0:  # like joints_pa: a term at weight 0 is not computed
                value = fn(outputs, batch, gt)
                out[name] = value * (batch["image"].shape[0] / den[SAMPLES]) if denominators is not None and SAMPLES in denominators else value
        return out

    def forward(self, outputs: dict, batch: dict, gt: dict, denominators: dict | None = None):
        """-> (total, terms): total = sum of weight * term; terms are detached, unweighted."""
        terms = self.terms(outputs, batch, gt, denominators)
        total = sum(self.weights[t] * v for t, v in terms.items())
        return total, {t: v.detach() for t, v in terms.items()}


def aligned_joint_errors(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """pred (S,B,2,21,3), gt (B,2,21,3) mm, mask (B,2,21) -> (S,B,2,21) distances after each hand is
    similarity-aligned to its truth over its valid joints. A hand with < 4 valid joints is aligned on a
    fixed template instead (its error is masked out anyway): the SVD's gradient needs distinct values."""
    from ...metrics.metrics import procrustes_align  # metrics imports nothing from here

    n = pred.shape[0]
    g = gt.float().expand_as(pred).reshape(-1, gt.shape[-2], 3)
    w = mask.float().expand(pred.shape[:-1]).reshape(-1, gt.shape[-2])
    usable = (w.sum(-1) >= 4)[:, None, None]
    template = _TEMPLATE.to(pred.device)[: gt.shape[-2]]
    p = torch.where(usable, pred.float().reshape(g.shape), template)
    g = torch.where(usable, g, template * 2)
    w = torch.where(usable[..., 0], w, torch.ones_like(w))
    device_type = pred.device.type if pred.device.type in ("cuda", "cpu") else "cpu"
    with torch.autocast(device_type, enabled=False):
        aligned = procrustes_align(p, g, w)
    return (aligned - g).norm(dim=-1).view(n, *gt.shape[:-1])


# 21 distinct, non-coplanar points: the stand-in of a hand without enough valid joints
_TEMPLATE = torch.stack([torch.arange(21.0), (torch.arange(21.0) ** 2) % 7, (torch.arange(21.0) * 5) % 11], -1)


def integral_term(joints_25d: torch.Tensor, logits: torch.Tensor, batch: dict, mask: torch.Tensor,
                  denominator: torch.Tensor) -> torch.Tensor:
    """The integral joint head's loss, a mean over valid joints (mask (B,42)); see the module docstring."""
    size = batch["image"].shape[-1]
    b = joints_25d.shape[0]
    pred = joints_25d.float().view(b, -1, 4)
    uv = batch["joints_2d"].float().view(b, -1, 2) / size * 2 - 1
    j3d = batch["joints_3d"].float()
    z = ((j3d[..., 2] - j3d[:, :, ROOT : ROOT + 1, 2]) / DEPTH_UNIT_MM).view(b, -1)
    err = (pred[..., :2] - uv).abs().sum(-1) + (pred[..., 2] - z).abs()
    target = gaussian_heatmaps(batch["joints_2d"], size, logits.shape[-2:], sigma=INTEGRAL_SIGMA).flatten(2)
    target = target / target.sum(-1, keepdim=True).clamp_min(1e-12)
    ce = -(target * torch.log_softmax(logits.float().flatten(2), dim=-1)).sum(-1)
    return ((err + INTEGRAL_CE_WEIGHT * ce) * mask).sum() / denominator


def plugin_term_functions(names: list[str]) -> dict:
    if not names:
        return {}
    from ...errors import ConfigError
    from ...plugins.kinds import LOSS_TERMS
    from ...plugins.registry import PluginError

    try:
        return {name: LOSS_TERMS.get(name) for name in names}
    except PluginError as err:
        raise ConfigError([str(err)]) from None
