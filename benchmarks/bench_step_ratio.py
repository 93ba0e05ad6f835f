"""MAHM training step vs backbone-only training step, and model FLOP utilisation, on one device.

    python benchmarks/bench_step_ratio.py [--batch 16] [--size 128] [--reps 30] [--threads 2]
                                          [--adamw foreach|loop|fused] [--clock wall|cpu]
                                          [--profile] [--device cpu]

The goal (issue): for the seed's best config (widths 1024,512,256,128,256,512,1024, resnet18, width_mult
1, batch 16, 128x128) one full step (forward + a loss over every stage's outputs + backward + AdamW) takes
at most 1.3x the step of the same backbone with a trivial head, and achieved FLOP/s >= 0.5 x the fp32 GEMM
peak measured in this process. The machine may be shared: the two steps alternate, one each per
repetition, and the medians are compared, so background load hits both alike. `--clock cpu` times the
process's CPU time instead of wall time: with --threads 1 on a loaded machine it leaves out the time
other processes hold the core (with more threads it counts OpenMP's spin-waits too).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable, Dict, List

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from bench_model import SEED_BEST, BackboneOnly, stages_loss
from mahm_search.model.builder import build_model
from mahm_search.model.spec import ArchSpec


# foreach: what the trainer builds (train/step.py make_optimizer); loop: torch's own default on CPU.
ADAMW_OPTIONS = {"foreach": {"foreach": True}, "loop": {"foreach": False}, "fused": {"fused": True}}


def make_step(model: nn.Module, loss_fn: Callable, images: torch.Tensor, adamw: str) -> Callable[[], None]:
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, **ADAMW_OPTIONS[adamw])

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(images)).backward()
        opt.step()

    return step


def timed(step: Callable[[], None], device: torch.device, clock: Callable[[], float] = time.perf_counter) -> float:
    t0 = clock()
    step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return clock() - t0


def step_flops(model: nn.Module, loss_fn: Callable, images: torch.Tensor) -> int:
    """FLOPs of forward + backward (torch.utils.flop_counter; the optimizer's elementwise work is not
    counted, as in the usual MFU definition)."""
    with FlopCounterMode(display=False) as counter:
        loss_fn(model(images)).backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def gemm_peak(device: torch.device, clock: Callable[[], float], n: int = 2048, reps: int = 7) -> float:
    """fp32 FLOP/s of an n x n matmul, median of `reps`."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    times = [timed(lambda: a @ b, device, clock) for _ in range(reps)]
    return 2 * n**3 / statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--adamw", choices=sorted(ADAMW_OPTIONS), default="foreach")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--profile", action="store_true", help="print torch.profiler's top ops of one MAHM step")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    cl = torch.channels_last
    images = torch.randn(args.batch, 3, args.size, args.size, device=dev).contiguous(memory_format=cl)

    spec = ArchSpec(backbone="resnet18", input_size=args.size, cascade_widths=SEED_BEST)
    models: Dict[str, nn.Module] = {"backbone only": BackboneOnly("resnet18"), "MAHM (seed best)": build_model(spec)}
    losses = {"backbone only": lambda o: o.abs().mean(), "MAHM (seed best)": stages_loss}
    steps, flops = {}, {}
    for label, model in models.items():
        model.to(dev, memory_format=cl).train()
        flops[label] = step_flops(model, losses[label], images)
        steps[label] = make_step(model, losses[label], images, args.adamw)
        for _ in range(2):
            steps[label]()  # warm-up (allocator, optimizer state)

    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            steps["MAHM (seed best)"]()
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))

    times: Dict[str, List[float]] = {label: [] for label in steps}
    peaks: List[float] = []
    for _ in range(args.reps):
        for label, step in steps.items():
            times[label].append(timed(step, dev, clock))
        peaks.append(gemm_peak(dev, clock, reps=1))
    peak = statistics.median(peaks)
    med = {label: statistics.median(t) for label, t in times.items()}

    print(f"device {dev}, threads {torch.get_num_threads()}, batch {args.batch}, {args.size}x{args.size}, "
          f"AdamW {args.adamw}, {args.clock} clock, median of {args.reps} interleaved steps, "
          f"fp32 GEMM peak {peak / 1e9:.1f} GFLOP/s")
    base = med["backbone only"]
    for label in steps:
        achieved = flops[label] / med[label]
        print(f"{label:20s} {med[label] * 1e3:8.1f} ms (min {min(times[label]) * 1e3:7.1f})  "
              f"{med[label] / base:5.2f}x  fwd+bwd {flops[label] / 1e9:6.2f} GFLOP  "
              f"{achieved / 1e9:6.1f} GFLOP/s  MFU {achieved / peak:4.2f}")


if __name__ == "__main__":
    main()
