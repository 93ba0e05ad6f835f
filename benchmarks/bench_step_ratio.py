"""The trainer's MAHM training step vs a backbone-only step, and model FLOP utilisation, on one device.

    python benchmarks/bench_step_ratio.py [--batch 16] [--size 128] [--reps 30] [--threads 2]
                                          [--channels-last auto|on|off] [--clock wall|cpu]
                                          [--variants] [--profile] [--device cpu]
                                          [--amp none|bf16] [--mode eager|fast]

Goal (issue 3): for the seed's best config (widths 1024,512,256,128,256,512,1024, resnet18, batch 16,
128x128) the full training step takes at most 1.3x the backbone-only step, and achieves at least 0.5
of the fp32 GEMM peak measured in this process (MFU).

- "MAHM (trainer step)" is exactly what `mahm-search train` runs per step (train/step/step.py:
  make_optimizer, make_training_step): forward, the ground truth's MANO call, MAHMLoss over every
  stage, backward, gradient clipping, fused AdamW.
- "backbone only" is the same ResNet with one linear layer to the initial regressor's 2x61+3 numbers,
  an L1 loss, the same clipping and the same optimizer.
- FLOPs of forward + backward come from torch.utils.flop_counter (the optimizer's elementwise work is
  not counted, as usual for MFU).

--mode fast (issue 10): both steps compiled (torch.compile, fullgraph) and, on CUDA, captured as one
CUDA graph each, as the trainer runs them with train.compile / train.cuda_graphs on (train/step/fast_step.py).
FLOPs are counted on the eager steps (the same maths). On the 2-core CPU inductor's C++ build of the
seed's best config takes many minutes: use fast mode on a GPU.

The machine may be shared: the steps take turns, one each per repetition, with a GEMM peak measurement
after each round, and medians are compared, so background load hits all alike. `--clock cpu` times the
process's CPU time instead (with --threads 1 that leaves out the time other processes hold the core).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Callable, Dict, List

import torch
from torch.utils.flop_counter import FlopCounterMode

from mahm_search.config import trial_config
from mahm_search.data.dummy import dummy_batch
from mahm_search.model.backbone import ResNetBackbone
from mahm_search.model.builder import build_model
from mahm_search.train.device import use_channels_last
from mahm_search.train.loss.losses import MAHMLoss
from mahm_search.train.step.capture import CapturedStep
from mahm_search.train.step.fast_step import FastStep, optimizer_kind
from mahm_search.train.step.step import (StepOutput, autocast_for, make_optimizer, make_training_step, make_update,
                                    to_device)

SEED_BEST = [1024, 512, 256, 128, 256, 512, 1024]
BASELINE = "backbone only"
MAIN = "MAHM (trainer step)"


def trainer_step(cfg, device: torch.device, channels_last: bool, checkpointing: bool = False, fast: bool = False,
                 **arch) -> Callable[[dict], object]:
    model = build_model(cfg.arch.model_copy(update=arch), cfg.mano).to(device).train()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.set_checkpointing(stages=checkpointing, backbone=checkpointing)
    if fast:
        spec = cfg.train.model_copy(update={"compile": "on", "cuda_graphs": "on"})
        optimizer = make_optimizer(model, spec, **optimizer_kind(spec, device))
        return FastStep(model, MAHMLoss(cfg.loss), optimizer, spec, device)
    return make_training_step(model, MAHMLoss(cfg.loss), make_optimizer(model, cfg.train), cfg.train)


def backbone_step(cfg, device: torch.device, channels_last: bool, fast: bool = False) -> Callable[[dict], object]:
    backbone = ResNetBackbone(cfg.arch.backbone, cfg.arch.width_mult)
    model = torch.nn.ModuleDict({"backbone": backbone, "head": torch.nn.Linear(backbone.out_channels, 2 * 61 + 3)})
    model = model.to(device).train()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    spec = cfg.train.model_copy(update={"grad_clip": cfg.train.grad_clip or 1.0})
    optimizer = make_optimizer(model, spec, compiled=fast, captured=fast and device.type == "cuda")

    def forward(batch: dict) -> torch.Tensor:
        with autocast_for(device, spec):
            return model["head"](model["backbone"](batch["image"])[1]).float().abs().mean()

    update = make_update(model, optimizer, spec)
    if fast:  # the same treatment as the trainer's fast step
        forward = torch.compile(forward, fullgraph=True, dynamic=False)
        update = torch.compile(update, fullgraph=True, dynamic=False)

    def step(batch: dict) -> StepOutput:
        optimizer.zero_grad(set_to_none=True)
        loss = forward(batch)
        loss.backward()
        update()
        return StepOutput(loss=loss.detach(), terms={})

    return CapturedStep(step, model, optimizer) if fast and device.type == "cuda" else step


def timed(fn: Callable[[], object], device: torch.device, clock: Callable[[], float]) -> float:
    t0 = clock()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return clock() - t0


def step_flops(step: Callable[[dict], object], batch: dict) -> int:
    with FlopCounterMode(display=False) as counter:
        step(batch)
    return int(counter.get_total_flops())


def gemm_peak(device: torch.device, clock: Callable[[], float], n: int = 2048, reps: int = 3) -> float:
    """fp32 FLOP/s of an n x n matmul, the best of `reps`."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    return 2 * n**3 / min(timed(lambda: a @ b, device, clock) for _ in range(reps))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--channels-last", choices=("auto", "on", "off"), default="auto",
                    help="auto: what the trainer picks for the device (train/device.py)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--variants", action="store_true", help="also time self-attention and checkpointing")
    ap.add_argument("--profile", action="store_true", help="print torch.profiler's top ops of one MAHM step")
    ap.add_argument("--amp", choices=("none", "bf16"), default="none", help="autocast dtype (CUDA only)")
    ap.add_argument("--mode", choices=("eager", "fast"), default="eager",
                    help="fast: compiled (+ CUDA graph on CUDA) steps, as train.compile/cuda_graphs 'on'")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    cfg = trial_config({"arch": {"backbone": "resnet18", "input_size": args.size, "cascade_widths": SEED_BEST},
                        "train": {"batch_size": args.batch, "amp": args.amp, "device": args.device,
                                  "channels_last": args.channels_last}})
    channels_last = use_channels_last(cfg.train, device)
    batch = to_device(dummy_batch(args.batch, args.size), device, channels_last)

    def make_steps(fast: bool) -> Dict[str, Callable[[dict], object]]:
        steps = {BASELINE: backbone_step(cfg, device, channels_last, fast), MAIN: trainer_step(cfg, device, channels_last, fast=fast)}
        if args.variants:
            steps["MAHM + self-attention"] = trainer_step(cfg, device, channels_last, fast=fast, self_attention=True)
            steps["MAHM, checkpointing all"] = trainer_step(cfg, device, channels_last, True, fast)
        return steps

    eager_steps = make_steps(False)
    flops = {label: step_flops(step, batch) for label, step in eager_steps.items()}  # eager: the same maths
    steps = make_steps(True) if args.mode == "fast" else eager_steps
    del eager_steps
    started = time.perf_counter()
    for step in steps.values():  # warm-up: compiles and captures (a CUDA graph after 3 warm-up steps)
        for _ in range(5 if args.mode == "fast" else 1):
            step(batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    if args.mode == "fast":
        print(f"compile + capture + warm-up: {time.perf_counter() - started:.1f} s; "
              + ", ".join(f"{label}: {getattr(step, 'mode', 'compiled')}" for label, step in steps.items()))

    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU, *([ProfilerActivity.CUDA] if device.type == "cuda" else [])]) as prof:
            steps[MAIN](batch)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))

    times: Dict[str, List[float]] = {label: [] for label in steps}
    peaks: List[float] = []
    for _ in range(args.reps):
        for label, step in steps.items():
            times[label].append(timed(lambda: step(batch), device, clock))
        peaks.append(gemm_peak(device, clock))
    peak = statistics.median(peaks)
    med = {label: statistics.median(t) for label, t in times.items()}

    print(f"device {device}, torch {torch.__version__}, mode {args.mode}, amp {args.amp}, "
          f"threads {torch.get_num_threads()}, batch {args.batch}, {args.size}x{args.size}, "
          f"channels_last {channels_last}, {args.clock} clock, median of {args.reps} interleaved steps, "
          f"fp32 GEMM peak {peak / 1e9:.1f} GFLOP/s (median of the rounds' best)")
    base = med[BASELINE]
    for label in steps:
        achieved = flops[label] / med[label]
        print(f"{label:26s} {med[label] * 1e3:8.1f} ms (min {min(times[label]) * 1e3:7.1f})  "
              f"{med[label] / base:5.2f}x  {args.batch / med[label]:6.1f} samples/s  "
              f"fwd+bwd {flops[label] / 1e9:6.2f} GFLOP  {achieved / 1e9:6.1f} GFLOP/s  MFU {achieved / peak:4.2f}")
    ratio, mfu = med[MAIN] / base, flops[MAIN] / med[MAIN] / peak
    print(f"goal: ratio <= 1.3: {ratio:.2f} {'met' if ratio <= 1.3 else 'MISSED'};  "
          f"MFU >= 0.5: {mfu:.2f} {'met' if mfu >= 0.5 else 'MISSED'}")


if __name__ == "__main__":
    main()
