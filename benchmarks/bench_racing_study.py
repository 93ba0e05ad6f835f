"""One real CPU study raced (`repeats: auto`) against its fixed-seed twin (`repeats: 8`).

    python benchmarks/bench_racing_study.py [--folder DIR] [--steps 100]

Both studies train the same three learning rates (1e-4, 3e-4, 1e-3) of the quickstart's model on the
synthetic data with a grid sampler, 24 trials at most; they differ only in `repeats`. Each is run with
`mahm-search run`, then `mahm-search report`; printed: the seeds each configuration got, the wall
time, and the report's findings (its verdicts, from the seeds each study ran).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import optuna
import yaml

LRS = [1e-4, 3e-4, 1e-3]
CAP = 8


def study_file(folder: Path, name: str, repeats, steps: int) -> Path:
    spec = {
        "name": name, "storage": f"sqlite:///{name}.db",
        "objective": {"metric": "score", "direction": "minimize"},
        "sampler": {"type": "grid", "seed": 0}, "pruner": {"type": "none"},
        "n_trials": CAP * len(LRS), "repeats": repeats,
        "train": {"steps": steps, "eval_every": steps // 5, "batch_size": 8, "warmup_steps": 5},
        "data": {"synthetic": {"n_train": 256, "n_val": 64}},
        "base": {"arch": {"backbone": "resnet18", "width_mult": 0.25, "input_size": 64, "split_dim": 64,
                          "attention_heads": 2, "cascade_widths": [128, 64, 128]}},
        "space": {"train.lr": {"choices": LRS}},
        "plots": {"group_by": ["train.lr"], "label": "lr {train.lr}"},
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


CLI = str(Path(sys.executable).with_name("mahm-search"))  # this interpreter's install


def run(path: Path) -> float:
    """`run` then `report` (their output in NAME.log); returns the seconds `run` took."""
    t0 = time.perf_counter()
    with open(path.with_suffix(".log"), "w") as log:
        subprocess.run([CLI, "run", str(path)], cwd=path.parent, check=True, stdout=log, stderr=subprocess.STDOUT)
        elapsed = time.perf_counter() - t0
        subprocess.run([CLI, "report", str(path)], cwd=path.parent, check=True, stdout=log, stderr=subprocess.STDOUT)
    return elapsed


def seeds_per_lr(path: Path, name: str) -> dict:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=f"sqlite:///{path.parent / (name + '.db')}")
    out: dict = {}
    for t in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,)):
        out.setdefault(t.params["train.lr"], []).append(round(t.value, 2))
    return dict(sorted(out.items()))


def findings(path: Path, name: str) -> list[str]:
    text = (path.parent / f"{name}-report" / "report.md").read_text()
    section = text.split("## Findings", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ") and "to target" not in line]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, default=Path("racing-study"))
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"{args.steps} steps per trial")
    for name, repeats in (("lr_raced", {"auto": True, "confidence": 0.95, "max": CAP}), ("lr_fixed", CAP)):
        path = study_file(args.folder, name, repeats, args.steps)
        elapsed = run(path)
        seeds = seeds_per_lr(path, name)
        total = sum(len(v) for v in seeds.values())
        print(f"\n{name} (repeats: {repeats}): {total} trials, {elapsed / 60:.1f} min")
        for lr, values in seeds.items():
            print(f"  lr {lr:g}: {len(values)} seeds, scores {values}")
        for line in findings(path, name):
            print(f"  {line}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
