"""Memory estimator accuracy: predicted vs measured training peak over configs across the space.

    python benchmarks/bench_memory.py              # CPU: profiler memory events (alloc/free timeline)
    python benchmarks/bench_memory.py --device cuda  # CUDA: torch.cuda.max_memory_allocated

Each config runs the trainer's own step twice (the first creates AdamW's state) on a dummy batch and
the measured peak is compared with memory.estimate_memory's tensor figure (on CUDA the budget
figure also adds the context and allocator allowance; that part is not what max_memory_allocated sees).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.profiler import ProfilerActivity, profile

from mahm_search.config import TrialConfig
from mahm_search.data.dummy import dummy_batch
from mahm_search.model.builder import build_model
from mahm_search.memory import estimate_memory
from mahm_search.memory.units import format_bytes
from mahm_search.train.device import use_channels_last
from mahm_search.train.loss.losses import MAHMLoss
from mahm_search.train.step.step import make_grad_scaler, make_optimizer, make_training_step

U = [256, 128, 64, 128, 256]
CONFIGS = [  # (label, arch overrides, train overrides)
    ("base", {}, {}),
    ("batch 4", {}, {"batch_size": 4}),
    ("batch 16", {}, {"batch_size": 16}),
    ("deep U-net", {"cascade_widths": U}, {}),
    ("wide 1024,512,1024", {"cascade_widths": [1024, 512, 1024]}, {}),
    ("single stage", {"cascade_widths": [128]}, {}),
    ("self-attention", {"self_attention": True}, {}),
    ("no cross-attention", {"cross_attention": False}, {}),
    ("heatmap aux", {"heatmap": "aux"}, {}),
    ("heatmap feed", {"heatmap": "feed", "heatmap_size": 16}, {}),
    ("resnet34", {"backbone": "resnet34"}, {}),
    ("input 128", {"input_size": 128}, {"batch_size": 4}),
    ("ckpt stages+backbone", {}, {"checkpointing": ["stages", "backbone"]}),
    ("micro_batches 4", {}, {"micro_batches": 4}),
]


def config_for(arch: dict, train: dict, device: str) -> TrialConfig:
    base_arch = {"width_mult": 0.25, "input_size": 64, "cascade_widths": [256, 128, 256]}
    # The eager step is what this script measures, so the estimate must not add a CUDA graph's pool.
    return TrialConfig(arch={**base_arch, **arch}, train={"batch_size": 8, "device": device, "compile": "off",
                                                         "cuda_graphs": "off", **train})


def training_model(config: TrialConfig, device: torch.device) -> tuple[torch.nn.Module, bool]:
    """(the config's model on `device` in training mode, as the trainer sets it up; channels_last)."""
    spec = config.train
    model = build_model(config.arch, config.mano).to(device)
    channels_last = use_channels_last(spec, device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.set_checkpointing(stages="stages" in spec.checkpointing, backbone="backbone" in spec.checkpointing)
    return model.train(), channels_last


def _two_steps(config: TrialConfig, device: torch.device):
    spec = config.train
    model, channels_last = training_model(config, device)
    optimizer = make_optimizer(model, spec)
    step = make_training_step(model, MAHMLoss(config.loss), optimizer, spec, scaler=make_grad_scaler(device, spec))
    resident = sum(t.numel() * t.element_size() for t in list(model.parameters()) + list(model.buffers()))

    def run() -> None:
        batch = dummy_batch(spec.batch_size, config.arch.input_size, device=device)
        if channels_last:
            batch["image"] = batch["image"].contiguous(memory_format=torch.channels_last)
        step(batch)
        step(batch)

    return run, resident


def measured_peak_cpu(config: TrialConfig) -> int:
    run, resident = _two_steps(config, torch.device("cpu"))
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        run()
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                    key=lambda e: e.start_ns())
    current = peak = 0
    for e in events:  # allocations are positive, frees negative: the live-bytes timeline
        current += e.nbytes()
        peak = max(peak, current)
    return resident + peak


def measured_peak_cuda(config: TrialConfig) -> int:
    device = torch.device("cuda")
    torch.cuda.empty_cache()
    run, _ = _two_steps(config, device)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats(device)
    run()
    torch.cuda.synchronize()
    return int(torch.cuda.max_memory_allocated(device))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    measure = measured_peak_cuda if args.device == "cuda" else measured_peak_cpu
    rows, errors, seconds, cpu_seconds = [], [], [], []
    print(f"{'config':24s} {'predicted':>12s} {'measured':>12s} {'error':>8s} {'est. s':>7s}  method")
    for label, arch, train in CONFIGS:
        config = config_for(arch, train, args.device)
        cpu_started = time.process_time()
        est = estimate_memory(config, args.device)
        cpu_seconds.append(time.process_time() - cpu_started)  # robust to other jobs' load, unlike wall
        real = measure(config)
        err = (est.tensor_bytes - real) / real
        errors.append(abs(err))
        seconds.append(est.seconds)
        rows.append((label, est, real, err))
        print(f"{label:24s} {format_bytes(est.tensor_bytes):>12s} {format_bytes(real):>12s} {err:+8.1%} "
              f"{est.seconds:7.2f}  {est.method}", flush=True)
    print(f"\nmedian |error| {statistics.median(errors):.1%}, max {max(errors):.1%}; "
          f"estimator {statistics.median(seconds):.2f} s/config wall, "
          f"{statistics.median(cpu_seconds):.2f} s CPU (medians), device {args.device}")
    big = TrialConfig(arch={"cascade_widths": [1024, 512, 256, 128, 256, 512, 1024], "input_size": 128},
                      train={"batch_size": 16})
    t, cpu = time.perf_counter(), time.process_time()
    est = estimate_memory(big, args.device)
    print(f"seed's best config (resnet18, 1024..128..1024, batch 16, 128x128): {format_bytes(est.bytes)} "
          f"in {time.perf_counter() - t:.2f} s wall, {time.process_time() - cpu:.2f} s CPU ({est.method})")


if __name__ == "__main__":
    main()
