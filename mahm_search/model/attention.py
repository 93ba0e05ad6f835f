"""Interacting-hands attention (after IntagHand's cross-hand attention, Li et al. 2022).

A stage's per-hand feature (B,2,w) becomes J = 21 tokens per hand, one per joint (HandTokenizer). Then, pre-LayerNorm throughout:
  - optional self-attention within each hand (one projection set for both hands),
  - cross-hand attention: each hand's queries attend to the OTHER hand's keys/values, one projection
    set shared by both hands, residual add, then a per-hand feed-forward block.
Both hands always run as one batch (no Python loop over hands or joints).

Attention is written out as scaled_dot_product_attention's MATH backend computes it (softmax(q k^T /
sqrt(dh)) v, dropout on the weights) on every device: it materialises the (tokens x tokens x heads)
weights, so memory really grows with tokens^2 * heads and the memory estimator (fake-tensor tracing on
CPU) sees the same cost the GPU will pay. Written out, it skips the MATH backend's extra kernels (a
scale of both q and k, and a fully-masked-row check that never fires without a mask): ~25% faster on
CPU for these small token counts.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..hands.joints import NUM_JOINTS

FFN_RATIO = 2


def token_dim(width: int, heads: int) -> int:
    """Token size for a stage of width w: ~w/16, at least 8 per head, a multiple of `heads`."""
    return heads * max(8, width // (16 * heads))


class HandTokenizer(nn.Module):
    """(B,2,w) hand features + (B,2,J,3) current joints -> (B,2,J,d): one token per joint.

    token = projection of the hand feature + embedding of the joint's current 3D position + a learned
    embedding of (hand, joint). Cheap (no w x J*d matrix) and geometric: the hands attend to each
    other's joints where they are.
    """

    def __init__(self, width: int, dim: int, num_tokens: int = NUM_JOINTS):
        super().__init__()
        self.num_tokens, self.dim = num_tokens, dim
        self.feature = nn.Linear(width, dim)
        self.position = nn.Linear(3, dim)
        self.embed = nn.Parameter(torch.randn(2, num_tokens, dim) * 0.02)  # which hand, which joint

    def forward(self, x: torch.Tensor, joints_unit: torch.Tensor) -> torch.Tensor:
        return self.feature(x).unsqueeze(2) + self.position(joints_unit) + self.embed


class MultiHeadAttention(nn.Module):
    """Queries from x_q (N,Lq,d), keys/values from x_kv (N,Lk,d)."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        if dim % heads:
            raise ValueError(f"token dim {dim} is not divisible by attention_heads {heads}")
        self.heads, self.dropout = heads, dropout
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x_q: torch.Tensor, x_kv: torch.Tensor) -> torch.Tensor:
        q = self.q(x_q).unflatten(-1, (self.heads, -1)).transpose(1, 2)  # (N,H,Lq,dh)
        k, v = self.kv(x_kv).unflatten(-1, (2, self.heads, -1)).permute(2, 0, 3, 1, 4)  # (N,H,Lk,dh) each
        weights = torch.softmax(torch.matmul(q * q.shape[-1] ** -0.5, k.transpose(-1, -2)), dim=-1)
        weights = F.dropout(weights, self.dropout, self.training)
        y = torch.matmul(weights, v)  # (N,H,Lq,dh)
        return self.out(y.transpose(1, 2).flatten(-2))


class SelfAttention(nn.Module):
    """Pre-LN self-attention within each hand: x + MHA(LN(x))."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, heads, dropout)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # (B,2,J,d)
        x = self.norm(tokens).flatten(0, 1)
        return tokens + self.attn(x, x).view_as(tokens)


class PerHandFeedForward(nn.Module):
    """Pre-LN feed-forward with separate weights for the right and the left hand: hands become the batch
    dimension of two baddbmm calls, so both hands run in one kernel each."""

    def __init__(self, dim: int, dropout: float = 0.0):
        super().__init__()
        hidden = FFN_RATIO * dim
        self.norm_weight = nn.Parameter(torch.ones(2, 1, dim))
        self.norm_bias = nn.Parameter(torch.zeros(2, 1, dim))
        self.w1 = nn.Parameter(torch.empty(2, dim, hidden))
        self.b1 = nn.Parameter(torch.zeros(2, 1, hidden))
        self.w2 = nn.Parameter(torch.empty(2, hidden, dim))
        self.b2 = nn.Parameter(torch.zeros(2, 1, dim))
        for w in (self.w1, self.w2):
            for hand in range(2):
                nn.init.xavier_uniform_(w[hand])  # fans of a (d_in, d_out) matrix: symmetric in xavier
        self.drop = nn.Dropout(dropout)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # (B,2,J,d)
        b, _, j, d = tokens.shape
        x = tokens.transpose(0, 1).reshape(2, b * j, d)  # hand-major rows
        x = torch.addcmul(self.norm_bias, F.layer_norm(x, (d,)), self.norm_weight)
        x = F.gelu(torch.baddbmm(self.b1, x, self.w1))
        x = torch.baddbmm(self.b2, self.drop(x), self.w2)
        return tokens + self.drop(x).view(2, b, j, d).transpose(0, 1)


class CrossHandAttention(nn.Module):
    """Each hand's queries attend to the other hand's tokens; shared projections; per-hand FFN."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, heads, dropout)
        self.ffn = PerHandFeedForward(dim, dropout)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:  # (B,2,J,d)
        x = self.norm(tokens)
        other = x.flip(1)  # hand 0 reads hand 1 and vice versa
        y = self.attn(x.flatten(0, 1), other.flatten(0, 1)).view_as(tokens)
        return self.ffn(tokens + y)


class InteractingHandsAttention(nn.Module):
    """(B,2,w) features, (B,2,J,3) joints -> (B,2,J,d) tokens after [self-attn] -> [cross-hand attn]."""

    def __init__(self, width: int, heads: int, self_attention: bool, cross_attention: bool,
                 dropout: float = 0.0):
        super().__init__()
        self.dim = token_dim(width, heads)
        self.tokenizer = HandTokenizer(width, self.dim)
        self.self_attn = SelfAttention(self.dim, heads, dropout) if self_attention else None
        self.cross_attn = CrossHandAttention(self.dim, heads, dropout) if cross_attention else None

    @property
    def out_features(self) -> int:
        return self.tokenizer.num_tokens * self.dim

    def forward(self, hand_features: torch.Tensor, joints_unit: torch.Tensor) -> torch.Tensor:
        tokens = self.tokenizer(hand_features, joints_unit)
        if self.self_attn is not None:
            tokens = self.self_attn(tokens)
        if self.cross_attn is not None:
            tokens = self.cross_attn(tokens)
        return tokens
