"""Overhead of the search around one training run: the same config, timed end to end through
`mahm-search run` (one trial: study storage, memory plan, reporter, checkpoints) and through
`mahm-search train`. Goal: run <= 3% slower than train. Prints both wall times.

    python benchmarks/bench_search_overhead.py [--steps 60] [--repeats 1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BASE = {
    "arch": {"backbone": "resnet18", "width_mult": 0.25, "input_size": 64, "split_dim": 64,
             "cascade_widths": [128, 64, 128], "attention_heads": 2},
    "data": {"synthetic": {"n_train": 256, "n_val": 16}},
}


def _wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    train = {"steps": args.steps, "eval_every": max(1, args.steps // 3), "batch_size": 8, "lr": 1e-3, "seed": 0}
    cli = [sys.executable, "-m", "mahm_search.cli"]
    runs, trains = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = tmp / "config.yaml"
        config.write_text(yaml.safe_dump({**BASE, "train": {**train, "objective": "score"}}))
        for r in range(args.repeats):
            study = tmp / f"bench{r}.yaml"
            study.write_text(yaml.safe_dump({
                "name": f"bench{r}", "n_trials": 1, "sampler": {"type": "random", "seed": 0},
                "pruner": {"type": "none"}, "train": train, "base": BASE,
                "space": {"train.lr": {"float": [1e-3, 1e-3]}}}))
            trains.append(_wall(cli + ["train", str(config), "--out", str(tmp / f"train{r}")]))
            runs.append(_wall(cli + ["run", str(study)]))
    t, s = min(trains), min(runs)
    print(f"steps={args.steps}  mahm-search train: {t:.1f} s   mahm-search run (1 trial): {s:.1f} s   "
          f"overhead {100 * (s - t) / t:+.1f}%")


if __name__ == "__main__":
    main()
