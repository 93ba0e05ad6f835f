"""lab_direct: pooled features -> an MLP -> both hands' MANO parameters, refined `iters` times; every
refinement is a supervised stage. Built with (in_channels, stride, input_size, mano, **arch.head_args)."""

import torch
from torch import nn

from mahm_search.model import hand_outputs

POSE, SHAPE, CAM = 48, 10, 3
STATE = 2 * (POSE + SHAPE + CAM) + 3  # both hands, then the left-minus-right root offset (cm)


class LabDirectHead(nn.Module):
    def __init__(self, in_channels, input_size, mano, hidden=64, iters=2):
        super().__init__()
        self.mano, self.input_size, self.iters = mano, input_size, iters
        self.mlp = nn.Sequential(nn.Linear(in_channels + STATE, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, STATE))
        nn.init.zeros_(self.mlp[-1].weight)  # the first prediction is the start state: the mean hand
        nn.init.zeros_(self.mlp[-1].bias)
        start = torch.zeros(STATE)
        start[2 * (POSE + SHAPE) : 2 * (POSE + SHAPE + CAM) : CAM] = 0.8  # weak-perspective scale of each hand
        self.register_buffer("start", start)

    def forward(self, features):
        b = features.shape[0]
        pooled = features.mean(dim=(2, 3))
        state = self.start.expand(b, STATE)
        stages = []
        for _ in range(self.iters):
            state = state + self.mlp(torch.cat((pooled, state), dim=1))
            pose = state[:, : 2 * POSE].view(b, 2, POSE)
            shape = state[:, 2 * POSE : 2 * (POSE + SHAPE)].view(b, 2, SHAPE)
            cam = state[:, 2 * (POSE + SHAPE) : 2 * (POSE + SHAPE + CAM)].view(b, 2, CAM)
            root_rel = state[:, -3:] * 10.0  # cm -> mm
            stages.append(hand_outputs(self.mano, pose, shape, cam, root_rel, self.input_size))
        return {"stages": stages}


def lab_direct(in_channels, stride, input_size, mano, hidden=64, iters=2):
    return LabDirectHead(in_channels, input_size, mano, hidden, iters)
