"""The MAHM-Bench table: its file format, atomic run-by-run saving, and the arrays the replay reads.

File (`benchmarks/mahm_bench.json.gz`): one gzip-compressed JSON object,

    {"format": "mahm-bench/1",
     "meta":    {"factors": {...}, "base": {...}, "steps": 60, "seeds": [0, 1, 2],
                 "memory_budget_bytes": int, "objective": "score", "host": "...", "build_s": float, ...},
     "blind":   {"score": mm, "pa_mpjpe": mm},            # the mean hand on the same validation set
     "configs": {key: {"params": {dotted: value}, "memory_estimate_bytes": int,
                       "train_flops_per_sample": int, "feasible": bool}},
     "runs":    {"KEY/SEED": {"config": key, "seed": int, "status": "complete"|"nan",
                              "steps": [int], "score": [mm], "pa_mpjpe": [mm],   # every evaluation
                              "s_per_step": float, "wall_s": float, "peak_bytes": int|null,
                              "cpu_s_per_step": float}}}   # process CPU time; absent in early runs

An infeasible configuration (estimate over the budget) has no runs. The file is rewritten whole after
every run through a temporary file and a rename, so a killed build leaves the last complete table.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

FORMAT = "mahm-bench/1"


def empty(meta: dict) -> dict:
    return {"format": FORMAT, "meta": meta, "blind": None, "configs": {}, "runs": {}}


def load(path: str | Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: format {data.get('format')!r}, expected {FORMAT!r}")
    return data


def save(data: dict, path: str | Path) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(data, f, separators=(",", ":"))
    os.replace(tmp, path)


def run_key(config: str, seed: int) -> str:
    return f"{config}/{seed}"


@dataclass
class Table:
    """What the replay needs, as arrays over C configurations x S seeds x E evaluations (lower is better).

    curves[c, s, e]: the score at evaluation e (NaN past a run that stopped); steps[e]: its step;
    s_per_step[c, s] (CPU seconds where the run recorded them, else wall); feasible[c]; die_cost_s[c]:
    what an infeasible config costs a search without the memory gate before it dies (its predicted time
    of one step, scaled from the feasible runs by FLOPs).
    """

    params: list[dict]
    keys: list[str]
    steps: np.ndarray
    curves: np.ndarray
    pa: np.ndarray
    s_per_step: np.ndarray
    feasible: np.ndarray
    die_cost_s: np.ndarray
    blind: Optional[float] = None

    @property
    def final(self) -> np.ndarray:
        """[C, S] final scores (NaN for infeasible configurations)."""
        return self.curves[:, :, -1]

    @property
    def n_seeds(self) -> int:
        return self.curves.shape[1]


def to_table(data: dict, seeds: Optional[list[int]] = None) -> Table:
    """The arrays of a loaded file, over its configurations in build order (the space's fixed shuffle) up
    to the first feasible one that does not have every seed run: a partly built table is then a prefix
    of the shuffle, a random subset of the space with its share of infeasible configurations."""
    seeds = seeds if seeds is not None else sorted({r["seed"] for r in data["runs"].values()})
    runs = data["runs"]
    keys = []
    for k, c in data["configs"].items():
        if c["feasible"] and not all(run_key(k, s) in runs for s in seeds):
            break
        keys.append(k)
    steps = None
    for r in runs.values():
        if r["status"] == "complete":
            steps = np.asarray(r["steps"])
            break
    if steps is None:
        raise ValueError("the table holds no complete run")
    C, S, E = len(keys), len(seeds), len(steps)
    curves, pa = np.full((C, S, E), np.nan), np.full((C, S, E), np.nan)
    sps = np.full((C, S), np.nan)
    for c, k in enumerate(keys):
        for s, seed in enumerate(seeds):
            r = runs.get(run_key(k, seed))
            if r is None:
                continue
            n = min(len(r["score"]), E)
            curves[c, s, :n], pa[c, s, :n] = r["score"][:n], r["pa_mpjpe"][:n]
            if n < E:  # a diverged run keeps its last score: what a search would have read from it
                curves[c, s, n:] = np.nan
            # CPU time per step where recorded: with one thread per run it does not move with the load
            sps[c, s] = r.get("cpu_s_per_step", r["s_per_step"])
    feasible = np.array([data["configs"][k]["feasible"] for k in keys])
    flops = np.array([data["configs"][k]["train_flops_per_sample"] * data["configs"][k]["params"]["train.batch_size"]
                      for k in keys], float)
    rate = np.nanmedian(sps[feasible].mean(axis=1) / flops[feasible]) if feasible.any() else 0.0
    die = np.where(feasible, 0.0, flops * rate)
    blind = (data.get("blind") or {}).get("score")
    return Table([data["configs"][k]["params"] for k in keys], keys, steps, curves, pa, sps, feasible, die, blind)
