"""HMR-style regression with iterative error feedback (Kanazawa et al.; SPIN's layout).

Each iteration reads [features, current parameters], runs fc -> dropout -> fc -> dropout, and a linear
head adds a residual update to the parameters. The head starts tiny (Xavier, gain 0.01), so the first
prediction is the starting point: the mean parameters for the initial regressor, the previous stage's
parameters inside a MAHM stage.
"""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

HMR_HIDDEN = 1024  # HMR/SPIN's fc size for the initial regressor
DELTA_INIT_GAIN = 0.01


def small_linear(cin: int, cout: int) -> nn.Linear:
    """A residual output head that starts near zero."""
    layer = nn.Linear(cin, cout)
    nn.init.xavier_uniform_(layer.weight, gain=DELTA_INIT_GAIN)
    nn.init.zeros_(layer.bias)
    return layer


class IEFRegressor(nn.Module):
    """(rows, feat_dim) features + (rows, state_dim) parameters -> refined parameters, last hidden."""

    def __init__(self, feat_dim: int, state_dim: int, hidden: int, iters: int, dropout: float):
        super().__init__()
        self.iters = iters
        self.fc1 = nn.Linear(feat_dim + state_dim, hidden)
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, hidden)
        self.drop2 = nn.Dropout(dropout)
        self.act = nn.ReLU(inplace=True)
        self.delta = small_linear(hidden, state_dim)

    def forward(self, feats: torch.Tensor, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        hidden = feats.new_zeros(())
        for _ in range(self.iters):
            x = torch.cat((feats, state), dim=-1)
            x = self.drop1(self.act(self.fc1(x)))
            hidden = self.drop2(self.act(self.fc2(x)))
            state = state + self.delta(hidden)
        return state, hidden
