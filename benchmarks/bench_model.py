"""Speed of the MAHM network vs its backbone alone (one training step: forward, backward, Adam).

    python benchmarks/bench_model.py [--batch 16] [--size 128] [--rounds 5] [--device cpu]

The goal (issue): a full step of the seed's best model (widths 1024,512,256,128,256,512,1024,
resnet18) at most 1.3x the backbone-only step at batch 16, 128x128 on CPU. The models take turns, one
step each per round, and each reports its fastest step: other processes on a shared machine slow single
steps down, and taking turns spreads that noise over all models alike.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable, Dict

import torch
from torch import nn

from mahm_search.model.backbone import ResNetBackbone
from mahm_search.model.builder import build_model
from mahm_search.model.complexity import count_parameters, flops_per_sample
from mahm_search.model.spec import ArchSpec

SEED_BEST = [1024, 512, 256, 128, 256, 512, 1024]


class BackboneOnly(nn.Module):
    """The baseline: backbone + one linear head of the initial regressor's output size."""

    def __init__(self, name: str):
        super().__init__()
        self.backbone = ResNetBackbone(name)
        self.head = nn.Linear(self.backbone.out_channels, 2 * 61 + 3)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(images)[1])


def stages_loss(out: dict) -> torch.Tensor:
    return sum(s["joints_3d"].abs().mean() + s["vertices"].abs().mean() + s["joints_2d"].abs().mean()
               + s["root_rel"].abs().mean() for s in out["stages"])


def make_step(model: nn.Module, loss_fn: Callable, images: torch.Tensor) -> Callable[[], float]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step() -> float:
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_fn(model(images)).backward()
        opt.step()
        if images.is_cuda:
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    return step


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--backbone", default="resnet18")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    dev = torch.device(args.device)
    cl = torch.channels_last
    images = torch.randn(args.batch, 3, args.size, args.size, device=dev).contiguous(memory_format=cl)

    models: Dict[str, nn.Module] = {"backbone only": BackboneOnly(args.backbone)}
    for label, self_attn, ckpt in [("seed best", False, False), ("seed best + self-attention", True, False),
                                   ("seed best, checkpointing stages+backbone", False, True)]:
        spec = ArchSpec(backbone=args.backbone, input_size=args.size, cascade_widths=SEED_BEST,
                        self_attention=self_attn)
        models[label] = build_model(spec)
        models[label].set_checkpointing(ckpt, ckpt)
    steps = {}
    for label, model in models.items():
        model.to(dev, memory_format=cl)
        loss = (lambda o: o.abs().mean()) if label == "backbone only" else stages_loss
        steps[label] = make_step(model, loss, images)
        steps[label]()  # warm-up
    best = {label: float("inf") for label in steps}
    for _ in range(args.rounds):
        for label, step in steps.items():
            best[label] = min(best[label], step())

    print(f"device {dev}, threads {torch.get_num_threads()}, batch {args.batch}, {args.size}x{args.size}, "
          f"fastest of {args.rounds} steps")
    base = best["backbone only"]
    for label, model in models.items():
        gflops = flops_per_sample(model, args.size) / 1e9
        print(f"{label:42s} {best[label] * 1e3:8.1f} ms  {best[label] / base:5.2f}x  "
              f"params {count_parameters(model) / 1e6:6.2f} M  forward {gflops:5.2f} GFLOP/sample")


if __name__ == "__main__":
    main()
