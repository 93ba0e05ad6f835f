"""One MAHM stage (report section 2.1): MANO -> Attention -> HMR (MANO runs in the network after it).

  image feature --split MLP--> right/left vectors of split_dim
  [hand vector, cam, joints (21x3 / JOINT_SCALE_MM), shape, pose, (heatmap joint features)] per hand
  --compress MLP--> w_k (+ U-net skip) --interacting-hands attention--> 21 tokens per hand
  --HMR (1 feedback iteration, hidden w_k/2)--> parameter updates per hand; a small head updates root_rel.
Both hands run as one batch of 2B rows.
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from ..hands.joints import NUM_JOINTS
from .attention import InteractingHandsAttention
from .hmr import IEFRegressor, small_linear


class MAHMStage(nn.Module):
    def __init__(self, feat_dim: int, width: int, split_dim: int, state_dim: int, extra_dim: int,
                 heads: int, self_attention: bool, cross_attention: bool, dropout: float):
        super().__init__()
        self.width = width
        self.split = nn.Sequential(nn.Linear(feat_dim, 2 * split_dim), nn.ReLU(inplace=True))
        in_dim = split_dim + state_dim + NUM_JOINTS * 3 + extra_dim
        self.compress = nn.Sequential(nn.Linear(in_dim, width), nn.ReLU(inplace=True), nn.LayerNorm(width))
        self.attention = InteractingHandsAttention(width, heads, self_attention, cross_attention, dropout)
        self.hmr_hidden = max(64, width // 2)  # lean: the cascade must cost little next to the backbone
        self.hmr = IEFRegressor(self.attention.out_features, state_dim, self.hmr_hidden, iters=1, dropout=dropout)
        self.root_head = small_linear(2 * self.hmr_hidden, 3)

    def forward(self, image_feat: torch.Tensor, hand_state: torch.Tensor, joints_unit: torch.Tensor,
                root_rel_unit: torch.Tensor, extra: Optional[torch.Tensor] = None,
                skip: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """image_feat (B,C), hand_state (B,2,S), joints_unit (B,2,63), root_rel_unit (B,3),
        extra (B,2,E) or None, skip (B,2,w) or None -> new hand_state, new root_rel_unit, features (B,2,w)."""
        b = image_feat.shape[0]
        hands = self.split(image_feat).view(b, 2, -1)
        parts = [hands, hand_state, joints_unit] + ([extra] if extra is not None else [])
        feats = self.compress(torch.cat(parts, dim=-1))
        if skip is not None:
            feats = feats + skip
        tokens = self.attention(feats, joints_unit.unflatten(-1, (NUM_JOINTS, 3)))  # (B,2,J,d)
        state, hidden = self.hmr(tokens.flatten(-2).flatten(0, 1), hand_state.flatten(0, 1))
        root_rel_unit = root_rel_unit + self.root_head(hidden.reshape(b, 2 * self.hmr_hidden))
        return state.view_as(hand_state), root_rel_unit, feats
