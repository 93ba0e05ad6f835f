"""Does a network learn the built-in data, articulation included? Score and PA-MPJPE against blind.

    python benchmarks/bench_learnability.py [--steps 600] [--only NAME ...] [--train-set]

Trains one MAHM network per variant (the Figure 1-2 base: resnet18 x0.25, 64 px, cascade 256-128-256,
1024 training and 128 validation samples, batch 16, seed 0) through the project's own trainer, and
prints each one's final validation score and PA-MPJPE as a ratio of the blind baseline (the training
set's mean hands, train/blind/blind.py) on the same validation set. A PA-MPJPE ratio >= 1 means the
articulation was not learned: the fingers are no better than the mean pose's. `--train-set` scores on
the first training samples instead of the validation ones (telling underfitting from overfitting).
One seed per variant: differences under ~0.03 in a ratio are within seed noise (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mahm_search.config import set_dotted, trial_config  # noqa: E402

BASE = {
    "arch": {"backbone": "resnet18", "width_mult": 0.25, "input_size": 64, "split_dim": 64,
             "attention_heads": 4, "cascade_widths": [256, 128, 256]},
    # the data of the first table: one skin tone and the old, wide finger-pose spread (no longer defaults)
    "data": {"synthetic": {"n_train": 1024, "n_val": 128, "appearance": "skin", "pose_spread": "wide"}},
    "train": {"steps": 600, "eval_every": 600, "batch_size": 16, "seed": 0},
}
VARIANTS = {  # name: dotted overrides of BASE
    "base (skin)": {},
    "glove": {"data.synthetic.appearance": "glove"},
    "pose loss x10": {"loss.weights.pose": 10.0},
    "lr 3e-3": {"train.lr": 3e-3},
    "128 px": {"arch.input_size": 128},
    "8192 train samples": {"data.synthetic.n_train": 8192},
    "heatmap feed, weight 300": {"arch.heatmap": "feed", "arch.heatmap_size": 16, "loss.weights.heatmap": 300.0},
    "glove + heatmap feed 300": {"data.synthetic.appearance": "glove", "arch.heatmap": "feed",
                                 "arch.heatmap_size": 16, "loss.weights.heatmap": 300.0},
    "integral 2.5D joints": {"arch.heatmap": "integral"},
    "glove + integral": {"data.synthetic.appearance": "glove", "arch.heatmap": "integral"},
    "glove + integral, width 0.5, lr 3e-3": {"data.synthetic.appearance": "glove", "arch.heatmap": "integral",
                                             "arch.width_mult": 0.5, "train.lr": 3e-3},
    "joints_pa loss 3": {"loss.weights.joints_pa": 3.0},
    "glove + joints_pa 3": {"data.synthetic.appearance": "glove", "loss.weights.joints_pa": 3.0},
    "glove + integral (weight 10) + joints_pa 3, width 0.5, lr 3e-3": {
        "data.synthetic.appearance": "glove", "arch.heatmap": "integral", "loss.weights.heatmap": 10.0,
        "loss.weights.joints_pa": 3.0, "arch.width_mult": 0.5, "train.lr": 3e-3},
    "the same on 8192 training samples": {
        "data.synthetic.appearance": "glove", "arch.heatmap": "integral", "loss.weights.heatmap": 10.0,
        "loss.weights.joints_pa": 3.0, "arch.width_mult": 0.5, "train.lr": 3e-3, "data.synthetic.n_train": 8192},
    # the second table: today's data defaults and the recipe of configs/seed_best_cpu.yaml, shorter
    "natural spread + glove + integral + pca + pose x30, batch 64, lr 4e-3": {
        "data.synthetic.appearance": "glove", "data.synthetic.pose_spread": "natural", "arch.heatmap": "integral",
        "arch.pose_repr": "pca", "loss.weights.heatmap": 10.0, "loss.weights.joints_pa": 3.0,
        "loss.weights.pose": 30.0, "arch.width_mult": 0.5, "train.lr": 4e-3, "train.batch_size": 64,
        "data.synthetic.n_train": 8192},
}


def config_of(overrides: dict, steps: int):
    tree = {k: dict(v) if isinstance(v, dict) else v for k, v in BASE.items()}
    tree["data"] = {"synthetic": dict(BASE["data"]["synthetic"])}
    set_dotted(tree, "train.steps", steps)
    set_dotted(tree, "train.eval_every", steps)
    for key, value in overrides.items():
        set_dotted(tree, key, value)
    return trial_config(tree, "<bench_learnability>")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    parser.add_argument("--train-set", action="store_true", help="score on training samples")
    args = parser.parse_args()
    if args.train_set:  # validation sample i becomes training sample i (same RNG stream), rendered afresh
        import mahm_search.data.synthetic as synthetic

        synthetic.SPLIT_CODES["val"] = synthetic.SPLIT_CODES["train"]
        os.environ["MAHM_BLIND_CACHE"] = "off"
    from mahm_search.train.trainer import train

    print(f"# {date.today()} {platform.node()} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {args.steps} steps, "
          f"{'training' if args.train_set else 'validation'} samples", flush=True)
    print("| variant | score (x blind) | PA-MPJPE (x blind) | blind score / PA | seconds |")
    print("|---|---:|---:|---:|---:|", flush=True)
    for name, overrides in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        config = config_of(overrides, args.steps)
        if args.train_set:
            config.data.synthetic.cache_dir = Path(tempfile.mkdtemp(prefix="learnability-"))
        started = time.perf_counter()
        result = train(config)
        final, blind = result.final_metrics, result.blind["metrics"]
        print(f"| {name} | {final['score']:.2f} ({final['score'] / blind['score']:.2f}x) | "
              f"{final['pa_mpjpe']:.2f} ({final['pa_mpjpe'] / blind['pa_mpjpe']:.2f}x) | "
              f"{blind['score']:.2f} / {blind['pa_mpjpe']:.2f} | {time.perf_counter() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
