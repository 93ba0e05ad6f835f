"""Synthetic rendering throughput on one CPU core (goal: >= 300 images/s at 128x128).

    python benchmarks/bench_render.py [--n 256] [--sizes 128 256]

Times `render_samples` (per-sample RNG, one batched MANO forward, one batched z-buffer pass) without the
disk cache, after one warm-up shard; prints images/s and the share spent in MANO vs drawing.
"""

from __future__ import annotations

import argparse
import time

import cv2
import torch

from mahm_search.data.spec import CropSpec
from mahm_search.data.synthetic import SHARD_SIZE, render_samples
from mahm_search.data.synthetic_scene import pose_scenes, sample_params
from mahm_search.data.synthetic import sample_rng
from mahm_search.hands.layer import TwoHandMANO


def images_per_second(mano, size: int, n: int, **options) -> tuple:
    """(wall-clock, process CPU-time) images/s; the second is robust to other jobs sharing the cores."""
    render_samples(mano, 123, "train", 0, 8, size, CropSpec(), **options)  # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    for first in range(0, n, SHARD_SIZE):
        render_samples(mano, 0, "train", first, min(first + SHARD_SIZE, n), size, CropSpec(), **options)
    return n / (time.perf_counter() - start), n / (time.process_time() - cpu)


def mano_share(mano, n: int) -> float:
    params = [sample_params(sample_rng(0, "train", i)) for i in range(n)]
    start = time.perf_counter()
    pose_scenes(mano, params)
    return (time.perf_counter() - start) / n * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    mano = TwoHandMANO()
    print(f"one core, {args.n} images per setting, shards of {SHARD_SIZE}")
    print(f"scene sampling + batched MANO forward: {mano_share(mano, SHARD_SIZE):.2f} ms/image")
    for size in args.sizes:
        for name, options in (("plain", {}), ("texture+clutter", {"texture": True, "clutter": True})):
            wall, cpu = images_per_second(mano, size, args.n, **options)
            print(f"{size}x{size} {name:>16}: {wall:7.1f} images/s wall, {cpu:7.1f} images/s of CPU time")


if __name__ == "__main__":
    main()
