"""Model size and cost figures for `mahm-search describe` and the search's reports."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of parameter elements (each shared tensor counted once)."""
    seen, total = set(), 0
    for p in model.parameters():
        if id(p) in seen or (trainable_only and not p.requires_grad):
            continue
        seen.add(id(p))
        total += p.numel()
    return total


def flops_per_sample(model: nn.Module, input_size: int) -> int:
    """FLOPs of one forward pass for one (3, input_size, input_size) image, counted by
    torch.utils.flop_counter (matmuls/convolutions/attention; a multiply-add counts as 2)."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()  # eval BatchNorm: a batch of one is valid at any input size
    try:
        images = torch.zeros(1, 3, input_size, input_size, device=device)
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(images)
        return int(counter.get_total_flops())
    finally:
        model.train(was_training)
