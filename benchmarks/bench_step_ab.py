"""The trainer step of this working tree against the same step at a git revision, in one process.

    python benchmarks/bench_step_ab.py [--baseline HEAD] [--reps 30] [--batch 16] [--size 128]
                                       [--threads 2] [--clock wall|cpu] [--widths 1024,512,...]

Times on this (shared) machine move with other jobs' load, so the three steps take turns, one of each
per repetition, and medians are compared: "backbone only" (bench_step_ratio.py's baseline), the
baseline revision's "MAHM (trainer step)" and this tree's. Both MAHM steps start from the same
weights (the baseline's state_dict is loaded into this tree's model). The baseline's package is
`git archive`d into a temporary folder and imported under its own name while its step is built
(git itself is only read). The load average before and after is printed with the medians.
`--clock cpu` times the process's CPU time instead (with --threads 1 that leaves out the time other
processes hold the core).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SEED_BEST = [1024, 512, 256, 128, 256, 512, 1024]


def load_package(root: Path) -> Dict[str, object]:
    """Import mahm_search from `root` afresh; returns the modules the steps are built from."""
    for name in [n for n in sys.modules if n == "mahm_search" or n.startswith("mahm_search.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        names = ("config", "data.dummy", "model.builder", "train.device", "train.losses", "train.step")
        mods = {n: importlib.import_module("mahm_search." + n) for n in names}
        assert Path(mods["config"].__file__).resolve().is_relative_to(root.resolve()), mods["config"].__file__
        return mods
    finally:
        sys.path.remove(str(root))


def trainer_step(mods: Dict[str, object], cfg_dict: dict, state: dict | None) -> tuple:
    """As bench_step_ratio.trainer_step, from the package in `mods`."""
    cfg = mods["config"].trial_config(cfg_dict)
    model = mods["model.builder"].build_model(cfg.arch, cfg.mano).train()
    if state is not None:
        model.load_state_dict(state)
    if mods["train.device"].use_channels_last(cfg.train, torch.device("cpu")):
        model = model.to(memory_format=torch.channels_last)
    step_mod = mods["train.step"]
    optimizer = step_mod.make_optimizer(model, cfg.train)
    step = step_mod.make_training_step(model, mods["train.losses"].MAHMLoss(cfg.loss), optimizer, cfg.train)
    return step, model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="HEAD", help="git revision to compare with")
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--widths", default=",".join(map(str, SEED_BEST)))
    args = ap.parse_args()
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    torch.set_num_threads(args.threads)
    cfg_dict = {"arch": {"backbone": "resnet18", "input_size": args.size,
                         "cascade_widths": [int(w) for w in args.widths.split(",")]},
                "train": {"batch_size": args.batch, "device": "cpu", "channels_last": "auto"}}

    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "mahm_search"],
                                 capture_output=True, check=True).stdout
        Path(tmp, "a.tar").write_bytes(archive)
        with tarfile.open(Path(tmp, "a.tar")) as tar:
            tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        torch.manual_seed(0)
        old = load_package(Path(tmp))
        old_step, old_model = trainer_step(old, cfg_dict, None)
        new = load_package(REPO)  # this tree's package stays imported from here on
    new_step, _ = trainer_step(new, cfg_dict, old_model.state_dict())

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_step_ratio import backbone_step  # this tree's

    cfg = new["config"].trial_config(cfg_dict)
    channels_last = new["train.device"].use_channels_last(cfg.train, torch.device("cpu"))
    batch = new["train.step"].to_device(new["data.dummy"].dummy_batch(args.batch, args.size), torch.device("cpu"),
                                        channels_last)
    steps: Dict[str, Callable[[dict], object]] = {
        "backbone only": backbone_step(cfg, torch.device("cpu"), channels_last),
        f"MAHM at {args.baseline}": old_step,
        "MAHM (this tree)": new_step,
    }
    for step in steps.values():
        step(batch)
    load_before = os.getloadavg()
    times: Dict[str, List[float]] = {label: [] for label in steps}
    for _ in range(args.reps):
        for label, step in steps.items():
            t0 = clock()
            step(batch)
            times[label].append(clock() - t0)
    load_after = os.getloadavg()
    base = statistics.median(times["backbone only"])
    print(f"batch {args.batch}, {args.size}x{args.size}, threads {args.threads}, {args.clock} clock, "
          f"median of {args.reps} interleaved "
          f"steps; load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    for label, t in times.items():
        med = statistics.median(t)
        print(f"{label:28s} {med * 1e3:8.1f} ms (min {min(t) * 1e3:7.1f})  {med / base:5.3f}x backbone")
    # paired by repetition: slow drifts of the machine's load cancel
    diffs = sorted(n - o for n, o in zip(times["MAHM (this tree)"], times[f"MAHM at {args.baseline}"]))
    q1, q3 = diffs[len(diffs) // 4], diffs[(3 * len(diffs)) // 4]
    print(f"this tree - {args.baseline}, paired per repetition: median {statistics.median(diffs) * 1e3:+.1f} ms "
          f"(quartiles {q1 * 1e3:+.1f}, {q3 * 1e3:+.1f})")


if __name__ == "__main__":
    main()
