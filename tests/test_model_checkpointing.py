"""Activation checkpointing changes memory, not mathematics."""

from __future__ import annotations

import torch

from mahm_search.model.builder import build_model
from mahm_search.model.spec import ArchSpec


def _grads_and_stats(model, x):
    model.zero_grad(set_to_none=True)
    out = model(x)
    loss = sum(s["vertices"].abs().mean() + s["joints_2d"].abs().mean() + s["root_rel"].abs().mean()
               for s in out["stages"]) + out["heatmaps"].square().mean()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    stats = {n: b.clone() for n, b in model.named_buffers() if "running" in n or "num_batches" in n}
    return loss.detach(), grads, stats


def test_checkpointing_gives_equal_gradients_and_batchnorm_state():
    spec = ArchSpec(width_mult=0.125, input_size=64, split_dim=32, cascade_widths=[64, 32, 64],
                    self_attention=True, heatmap="feed", heatmap_size=16, dropout=0.0)
    torch.manual_seed(0)
    model = build_model(spec)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, 64, 64)

    loss_plain, grads_plain, stats_plain = _grads_and_stats(model, x)
    model.load_state_dict(initial)
    model.set_checkpointing(stages=True, backbone=True)
    loss_ckpt, grads_ckpt, stats_ckpt = _grads_and_stats(model, x)

    assert torch.allclose(loss_plain, loss_ckpt)
    for name, g in grads_plain.items():
        assert torch.allclose(g, grads_ckpt[name], rtol=1e-4, atol=1e-6), name
    for name, s in stats_plain.items():  # the backward re-run did not update BatchNorm a second time
        assert torch.equal(s, stats_ckpt[name]), name
