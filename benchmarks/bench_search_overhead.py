"""Overhead of the search around one training run: the same config, timed end to end through
`mahm-search run` (one trial: study storage, memory plan, reporter, checkpoints) and through
`mahm-search train`. Goal: run <= 3% slower than train. Prints both wall times per repeat.

    python benchmarks/bench_search_overhead.py [--steps 60] [--repeats 2] [--in-process [--clock wall|cpu]]

Everything runs in a fresh MAHM_CACHE_DIR: an untimed 2-step `train` first renders the data and
writes the MANO model, so the timed commands differ only in what `run` adds. The first `run` traces
the memory estimate ("cold"); later repeats read it from the on-disk estimate cache ("cached"), as
a study's repeats, resumed runs and lr/loss-weight searches do.

On the 2-core dev machine whole-process timings swing by +-20% from one run to the next, more than
the 3% goal. `--in-process` alternates the two paths inside one process instead (train_command and
run_study, what the two commands call), after one untimed round of each, so interpreter start-up,
imports and page-cache effects drop out (`--clock cpu` times this process's CPU seconds, all threads,
instead of wall seconds: what other tenants of a shared VM take from it then counts less); the
imports `run` adds (optuna, SQLAlchemy) are printed separately from `python -X importtime`. Each repeat is a new 1-trial study.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
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


def _wall(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _in_process(args, train: dict) -> None:
    import contextlib
    import io

    from rich.console import Console

    from mahm_search.search.runner import run_study
    from mahm_search.train.command import train_command

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.update({"MAHM_CACHE_DIR": str(tmp / "cache"), "MAHM_MEMORY_CACHE": "on"})
        config = tmp / "config.yaml"
        config.write_text(yaml.safe_dump({**BASE, "train": {**train, "objective": "score"}}))

        def study_file(name: str) -> Path:
            path = tmp / f"{name}.yaml"
            path.write_text(yaml.safe_dump({
                "name": name, "n_trials": 1, "sampler": {"type": "random", "seed": 0},
                "pruner": {"type": "none"}, "train": train, "base": BASE,
                "space": {"train.lr": {"float": [1e-3, 1e-3]}}}))
            return path

        def timed(name: str, r: int) -> float:
            clock = time.process_time if args.clock == "cpu" else time.perf_counter
            started = clock()
            with contextlib.redirect_stderr(io.StringIO()):
                if name == "train":
                    train_command(config, tmp / f"train{r}", console=Console(file=io.StringIO()))
                else:
                    run_study(study_file(f"bench{r}"))
            return clock() - started

        timed("train", -1), timed("run", -1)  # untimed: data, MANO model, memory estimate, imports
        trains, runs = [], []
        for r in range(args.repeats):
            order = ["train", "run"] if r % 2 == 0 else ["run", "train"]
            got = {name: timed(name, r) for name in order}
            trains.append(got["train"])
            runs.append(got["run"])
            print(f"steps={args.steps}  repeat {r} ({order[0]} first): train {got['train']:.2f} s  "
                  f"run {got['run']:.2f} s  overhead {100 * (got['run'] - got['train']) / got['train']:+.1f}%",
                  flush=True)
    t, s = statistics.median(trains), statistics.median(runs)
    print(f"median over {args.repeats} repeats: train {t:.2f} s, run {s:.2f} s, overhead {100 * (s - t) / t:+.1f}% "
          f"({args.clock} clock; cached memory estimate; the imports run adds come on top once per process)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--in-process", action="store_true", help="alternate both paths in this process")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="--in-process: time wall seconds or this process's CPU seconds")
    args = parser.parse_args()
    train = {"steps": args.steps, "eval_every": max(1, args.steps // 3), "batch_size": 8, "lr": 1e-3, "seed": 0}
    if args.in_process:
        return _in_process(args, train)
    cli = [sys.executable, "-m", "mahm_search.cli"]
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "MAHM_CACHE_DIR": str(tmp / "cache"), "MAHM_MEMORY_CACHE": "on"}
        config = tmp / "config.yaml"
        warmup = tmp / "warmup.yaml"
        config.write_text(yaml.safe_dump({**BASE, "train": {**train, "objective": "score"}}))
        warmup.write_text(yaml.safe_dump({**BASE, "train": {**train, "steps": 2, "eval_every": 2}}))
        _wall(cli + ["train", str(warmup), "--out", str(tmp / "warmup")], env)
        for r in range(args.repeats):
            study = tmp / f"bench{r}.yaml"
            study.write_text(yaml.safe_dump({
                "name": f"bench{r}", "n_trials": 1, "sampler": {"type": "random", "seed": 0},
                "pruner": {"type": "none"}, "train": train, "base": BASE,
                "space": {"train.lr": {"float": [1e-3, 1e-3]}}}))
            commands = {"train": cli + ["train", str(config), "--out", str(tmp / f"train{r}")],
                        "run": cli + ["run", str(study)]}
            # Alternate which goes first: a machine that slows down over time then favours neither.
            order = ["train", "run"] if r % 2 == 0 else ["run", "train"]
            timed = {name: _wall(commands[name], env) for name in order}
            (t, t_cpu), (s, s_cpu) = timed["train"], timed["run"]
            walls.append((s - t) / t)
            cpus.append((s_cpu - t_cpu) / t_cpu)
            estimate = "cold estimate" if r == 0 else "cached estimate"
            print(f"steps={args.steps}  repeat {r} ({estimate}, {order[0]} first):  train {t:.1f} s wall "
                  f"{t_cpu:.1f} s CPU   run {s:.1f} s wall {s_cpu:.1f} s CPU   overhead {100 * walls[-1]:+.1f}% "
                  f"wall, {100 * cpus[-1]:+.1f}% CPU", flush=True)
    print(f"median overhead over {args.repeats} repeats: {100 * statistics.median(walls):+.1f}% wall, "
          f"{100 * statistics.median(cpus):+.1f}% CPU")


if __name__ == "__main__":
    main()
