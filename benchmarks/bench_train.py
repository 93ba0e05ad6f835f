"""Training throughput on this machine for the report's best configuration.

Prints: samples/s of the full training step; model FLOP utilisation (MFU) = achieved FLOP/s of one
step (fwd+bwd, counted by FlopCounterMode) / the fp32 GEMM peak measured here (n=2048 matmul), goal
>= 0.5; and full-MAHM step time / backbone-only step time (same ResNet, a trivial linear head),
goal <= 1.3. With --profile, prints the torch.profiler table of the top ops of one full step.

    python benchmarks/bench_train.py [--batch 16] [--size 128] [--steps 5] [--channels-last] [--profile]

On a shared machine run it with OMP_NUM_THREADS=1: two OpenMP threads that wait for each other under
load from other processes made every step 5-10x slower and erratic (measured here).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from mahm_search.config import trial_config
from mahm_search.data.dummy import dummy_batch
from mahm_search.model.backbone import ResNetBackbone
from mahm_search.model.builder import build_model
from mahm_search.train.losses import MAHMLoss
from mahm_search.train.step import make_training_step, to_device

BEST_WIDTHS = [1024, 512, 256, 128, 256, 512, 1024]


def gemm_peak_flops(n: int = 2048, reps: int = 5, device: str = "cpu") -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best


def time_steps(step, batch, steps: int, device: str, warmup: int = 1) -> float:
    for _ in range(warmup):  # allocator, kernels, optimizer state
        step(batch)
    if device == "cuda":
        torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        step(batch)
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t) / steps


def count_flops(step, batch) -> int:
    with FlopCounterMode(display=False) as counter:
        step(batch)
    return counter.get_total_flops()


def full_step(cfg, device, channels_last):
    model = build_model(cfg.arch, cfg.mano).to(device).train()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    return make_training_step(model, MAHMLoss(cfg.loss), opt, cfg.train)


def backbone_step(cfg, device, channels_last):
    """The same ResNet with a trivial head (one linear layer to 2x61 MANO+camera numbers)."""
    backbone = ResNetBackbone(cfg.arch.backbone, cfg.arch.width_mult)
    model = torch.nn.ModuleDict({"backbone": backbone, "head": torch.nn.Linear(backbone.out_channels, 122)})
    model = model.to(device).train()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step(batch):
        opt.zero_grad(set_to_none=True)
        pooled = model["backbone"](batch["image"])[1]
        loss = model["head"](pooled).abs().mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    return step


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--width-mult", type=float, default=1.0)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--profile", action="store_true")
    args = p.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    cfg = trial_config({"arch": {"backbone": "resnet18", "width_mult": args.width_mult, "input_size": args.size,
                                 "cascade_widths": BEST_WIDTHS},
                        "train": {"batch_size": args.batch, "amp": "none", "device": device}})
    batch = to_device(dummy_batch(args.batch, args.size), torch.device(device), args.channels_last)
    print(f"device {device}, threads {torch.get_num_threads()}, batch {args.batch}, {args.size}x{args.size}, "
          f"widths {BEST_WIDTHS}, resnet18 x{args.width_mult}, channels_last {args.channels_last}")

    step = full_step(cfg, device, args.channels_last)
    bb_step = backbone_step(cfg, device, args.channels_last)
    flops, bb_flops = count_flops(step, batch), count_flops(bb_step, batch)
    # Interleave the three measurements so that load from other processes hits them alike; medians.
    full_times, bb_times, peaks = [], [], []
    for _ in range(args.steps):
        full_times.append(time_steps(step, batch, 1, device, warmup=0))
        bb_times.append(time_steps(bb_step, batch, 1, device, warmup=0))
        peaks.append(gemm_peak_flops(device=device))
    t_full, t_bb, peak = statistics.median(full_times), statistics.median(bb_times), statistics.median(peaks)

    mfu = flops / t_full / peak
    print(f"GEMM peak (n=2048 fp32):      {peak / 1e9:8.1f} GFLOP/s")
    print(f"full step:                    {t_full * 1e3:8.1f} ms  = {args.batch / t_full:6.1f} samples/s")
    print(f"FLOPs per step (fwd+bwd):     {flops / 1e9:8.2f} GFLOP -> {flops / t_full / 1e9:.1f} GFLOP/s")
    print(f"model FLOP utilisation:       {mfu:8.2f}   (goal >= 0.5) {'OK' if mfu >= 0.5 else 'MISSED'}")
    print(f"backbone-only step:           {t_bb * 1e3:8.1f} ms, {bb_flops / 1e9:.2f} GFLOP "
          f"(the MAHM head adds {100 * (flops - bb_flops) / flops:.0f}% of the full step's FLOPs)")
    print(f"full / backbone-only:         {t_full / t_bb:8.2f}   (goal <= 1.3) {'OK' if t_full / t_bb <= 1.3 else 'MISSED'}")
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            step(batch)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20))


if __name__ == "__main__":
    main()
