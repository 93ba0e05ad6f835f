"""TwoHandMANO forward+backward time, batch 64 (both hands), 2 CPU threads (and CUDA when present).

Run: python benchmarks/bench_mano.py [--batch 64] [--steps 30]. Prints ms per step.
"""

from __future__ import annotations

import argparse
import time

import torch

from mahm_search.hands.layer import TwoHandMANO


def bench(device: str, batch: int, steps: int) -> float:
    mano = TwoHandMANO().to(device)
    pose = (torch.randn(batch, 2, 48, device=device) * 0.3).requires_grad_()
    shape = torch.randn(batch, 2, 10, device=device).requires_grad_()
    trans = torch.randn(batch, 2, 3, device=device).requires_grad_()

    def step():
        out = mano(pose, shape, trans)
        (out["vertices"].square().mean() + out["joints"].square().mean()).backward()

    for _ in range(3):  # warm-up
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"TwoHandMANO forward+backward, batch {args.batch} x 2 hands")
    print(f"  cpu ({args.threads} threads): {bench('cpu', args.batch, args.steps):.1f} ms/step")
    if torch.cuda.is_available():
        print(f"  cuda ({torch.cuda.get_device_name()}): {bench('cuda', args.batch, args.steps):.2f} ms/step")


if __name__ == "__main__":
    main()
