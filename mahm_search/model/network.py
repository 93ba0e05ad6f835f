"""MAHMNet: ResNet -> initial HMR regressor -> cascade of MAHM stages, each decoded by one MANO call.

forward(images (B,3,H,W), square crops) -> {"stages": [dict per stage], "heatmaps": (B,42,h,w) | None,
"joints_25d": (B,2,21,4) | None, "joint_logits": (B,42,h,w) | None} (the last two with `heatmap: integral`,
joint_head.py);
stages[0] is the initial regressor, then one per cascade width (deep supervision). Each stage dict holds
pose (B,2,48) axis-angle, shape (B,2,10), cam (B,2,3), root_rel (B,3) mm, vertices (B,2,778,3) and
joints_3d (B,2,21,3) in mm relative to each hand's own wrist, joints_2d (B,2,21,2) crop pixels
(camera.py documents the projection).
"""

from __future__ import annotations

from typing import Dict, List, Optional

import torch
from torch import nn

from ..hands.joints import ROOT
from .plugins.backbones import make_backbone
from .camera import JOINT_SCALE_MM, ROOT_REL_SCALE_MM, project_weak_perspective
from .checkpointing import checkpoint_without_stat_drift
from .heads.heatmap import FEED_FEATURES_PER_HAND, HeatmapHead, heatmap_joint_features
from .hmr import HMR_HIDDEN, IEFRegressor
from .heads.joint_head import FEATURE_STRIDE, INTEGRAL_FEATURES_PER_HAND, IntegralJointHead, integral_joints
from .params import HandParamLayout
from .spec import ArchSpec
from .stage import MAHMStage
from .unet import unet_skip_sources

BACKBONE_STRIDE = 32
FEATURE_LAYER = {4: 0, 8: 1, 16: 2, 32: 3}[FEATURE_STRIDE]  # the backbone layer the joint head reads


class MAHMNet(nn.Module):
    def __init__(self, spec: ArchSpec, mano: nn.Module, finger_mean: torch.Tensor):
        """finger_mean (2,45): the finger pose (axis-angle, as MANO receives it) of the mean hand."""
        super().__init__()
        self.spec = spec
        self.mano = mano
        self.layout = HandParamLayout(spec.pose_repr, spec.pca_components)
        self.register_buffer("finger_mean", finger_mean.detach().float().cpu().clone(), persistent=False)
        self.backbone = make_backbone(spec)  # a ResNet, or a plug-in / timm feature extractor
        feat_dim = self.backbone.out_channels
        self.heatmap_head: Optional[HeatmapHead] = None
        self.joint_head: Optional[IntegralJointHead] = None
        channels = max(32, int(64 * spec.width_mult))
        if spec.heatmap in ("aux", "feed"):
            self.heatmap_head = HeatmapHead(feat_dim, getattr(self.backbone, "stride", BACKBONE_STRIDE), spec.input_size, spec.heatmap_size, channels)
        elif spec.heatmap == "integral":
            self.joint_head = IntegralJointHead(self.backbone.layer_out_channels[FEATURE_LAYER], channels)
        extra_dim = {"feed": FEED_FEATURES_PER_HAND, "integral": INTEGRAL_FEATURES_PER_HAND}.get(spec.heatmap, 0)
        s = self.layout.state_dim
        self.initial = IEFRegressor(feat_dim, 2 * s + 3, HMR_HIDDEN, spec.ief_iters, spec.dropout)
        self.stages = nn.ModuleList(
            MAHMStage(feat_dim, w, spec.split_dim, s, extra_dim, spec.attention_heads, self_attn,
                      spec.cross_attention, spec.dropout)
            for w, self_attn in zip(spec.cascade_widths, spec.self_attention_per_stage())
        )
        self.skip_sources = unet_skip_sources(spec.cascade_widths) if spec.unet_skips else {}
        self.register_buffer("mean_hand_state", self.layout.mean_state(finger_mean.detach().float().cpu()))
        self.checkpoint_stages = False

    def set_checkpointing(self, stages: bool, backbone: bool) -> None:
        """Activation checkpointing of each MAHM stage (with its MANO call) and of each backbone layer.
        Same mathematics: only memory for recomputation is traded."""
        self.checkpoint_stages = bool(stages)
        self.backbone.checkpoint_layers = bool(backbone)

    def forward(self, images: torch.Tensor) -> Dict[str, object]:
        b, size = images.shape[0], images.shape[-1]
        layers = self.backbone.forward_layers(images)
        feature_map = layers[-1]
        pooled = feature_map.mean(dim=(2, 3))
        heatmaps = self.heatmap_head(feature_map) if self.heatmap_head is not None else None
        joints_25d = logits = extra = None
        if self.joint_head is not None:
            logits, depth = self.joint_head(layers[FEATURE_LAYER])
            joints_25d = integral_joints(logits, depth)
            extra = joints_25d.flatten(-2)
        elif self.spec.heatmap == "feed":
            extra = heatmap_joint_features(heatmaps)

        s = self.layout.state_dim
        start = torch.cat((self.mean_hand_state.expand(b, 2, s).flatten(1), pooled.new_zeros(b, 3)), dim=1)
        refined, _ = self.initial(pooled, start.to(pooled.dtype))
        hand_state, root_unit = refined[:, : 2 * s].reshape(b, 2, s), refined[:, 2 * s:]
        out = self.decode(hand_state, root_unit, size)
        stages: List[Dict[str, torch.Tensor]] = [out]
        features: List[torch.Tensor] = []
        for k in range(len(self.stages)):
            src = self.skip_sources.get(k)
            skip = features[src] if src is not None else None
            args = (pooled, hand_state, out["joints_3d"], root_unit, extra, skip)
            if self.checkpoint_stages and torch.is_grad_enabled():
                hand_state, root_unit, feats, out = checkpoint_without_stat_drift(self._stage_step(k, size), *args)
            else:
                hand_state, root_unit, feats, out = self._stage_step(k, size)(*args)
            features.append(feats)
            stages.append(out)
        return {"stages": stages, "heatmaps": heatmaps, "joints_25d": joints_25d, "joint_logits": logits}

    def _stage_step(self, k: int, size: int):
        stage = self.stages[k]

        def step(pooled, hand_state, joints_mm, root_unit, extra, skip):
            joints_unit = (joints_mm / JOINT_SCALE_MM).flatten(-2)
            hand_state, root_unit, feats = stage(pooled, hand_state, joints_unit, root_unit, extra, skip)
            return hand_state, root_unit, feats, self.decode(hand_state, root_unit, size)

        return step

    def decode(self, hand_state: torch.Tensor, root_unit: torch.Tensor, size: int) -> Dict[str, torch.Tensor]:
        """Parameters -> one MANO call for both hands -> the stage dict (root-relative mm, crop pixels)."""
        pose, shape, cam = self.layout.split(hand_state)
        pose_aa = self.layout.pose_axis_angle(pose, self.finger_mean,
                                              self.mano.hands_components[:, : self.spec.pca_components])
        mano = self.mano(pose_aa, shape)
        root = mano["joints"][:, :, ROOT: ROOT + 1]
        joints = mano["joints"] - root
        return {
            "pose": pose_aa,
            "shape": shape,
            "cam": cam,
            "root_rel": root_unit * ROOT_REL_SCALE_MM,
            "vertices": mano["vertices"] - root,
            "joints_3d": joints,
            "joints_2d": project_weak_perspective(joints, cam, size),
        }
