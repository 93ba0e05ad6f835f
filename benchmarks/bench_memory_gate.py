"""What memory-aware scheduling saves (issue 10, deliverable 6): the same study run with the memory
gate and as plain Optuna would run it (no gate: a trial runs until it really runs out of memory).

    python benchmarks/bench_memory_gate.py [--seconds 90] [--budget-mib 180] [--cap-mib 360] [--steps 12]

No GPU: each trial trains in a CPU child process whose address space is capped with
resource.setrlimit(RLIMIT_AS) at (its size after importing torch) + --cap-mib, so an infeasible
config really fails to allocate, as on a full GPU. The cap is larger than the gate's tensor budget
because address space also holds what is not a tensor (oneDNN primitives, allocator arenas: measured
VmPeak 1.6x the tensor estimate + ~80 MiB here), as a GPU's memory holds the CUDA context and workspaces
beside the tensors; 180/360 puts every config of SPACE clearly on one side (feasible ones peak at
<= 300 MiB of address space, infeasible ones at >= 430 MiB). The space holds configurations that do not fit
(large batches, self-attention at 128 px), like Figure 2's self-attention arm.

- gate on: memory/estimate.py estimates each sampled config on the host first; one over the budget is
  pruned at once (it never reaches the "device", i.e. the child) and TPE sees it as pruned.
- gate off: every config trains; one that runs out of memory fails (plain Optuna: FAIL, which TPE
  ignores, so it keeps proposing such configs).
Both run for the same wall-clock time with the same TPE seed. "device-seconds" = seconds the child
processes ran a trial (after their imports).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import optuna

REPO = Path(__file__).resolve().parents[1]
OOM_EXIT = 3
SPACE = {"batch_size": [4, 8, 64, 128], "input_size": [64, 128], "self_attention": [False, True],
         "widths": ["128,64,128", "512,256,512"]}


def config_dict(params: dict, steps: int) -> dict:
    return {"arch": {"backbone": "resnet18", "width_mult": 0.25, "input_size": params["input_size"],
                     "cascade_widths": [int(w) for w in params["widths"].split(",")],
                     "self_attention": params["self_attention"]},
            "train": {"batch_size": params["batch_size"], "steps": steps, "amp": "none", "device": "cpu",
                      "channels_last": "off"}}


def child(config_json: str, cap: int) -> None:
    """One trial in this process: cap the address space, then train on dummy batches."""
    import torch

    from mahm_search.config import trial_config
    from mahm_search.data.dummy import dummy_batch
    from mahm_search.model.builder import build_model
    from mahm_search.train.loss.losses import MAHMLoss
    from mahm_search.train.step.step import make_optimizer, make_training_step

    torch.set_num_threads(1)
    cfg = trial_config(json.loads(config_json))
    torch.zeros(1) @ torch.zeros(1)  # threads and allocator arenas exist before the cap
    vm = int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmSize"))) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (vm + cap, vm + cap))
    started = time.perf_counter()
    try:
        model = build_model(cfg.arch, cfg.mano).train()
        step = make_training_step(model, MAHMLoss(cfg.loss), make_optimizer(model, cfg.train), cfg.train)
        for i in range(cfg.train.steps):
            loss = float(step(dummy_batch(cfg.train.batch_size, cfg.arch.input_size, seed=i)).loss)
    except (MemoryError, RuntimeError) as err:
        # allocation failures under the cap; oneDNN says "could not create a primitive"
        if isinstance(err, MemoryError) or any(w in str(err).lower() for w in ("alloc", "could not create")):
            print(json.dumps({"seconds": time.perf_counter() - started, "oom": True}))
            sys.exit(OOM_EXIT)
        raise
    print(json.dumps({"seconds": time.perf_counter() - started, "oom": False, "loss": loss}))


def run_trial(params: dict, steps: int, cap: int) -> dict:
    cmd = [sys.executable, __file__, "--child", json.dumps(config_dict(params, steps)), "--cap", str(cap)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not lines:  # killed without a word (e.g. the kernel's OOM killer): count its whole run
        return {"seconds": float("nan"), "oom": True}
    return json.loads(lines[-1])


def study(gate: bool, seconds: float, steps: int, budget: int, cap: int) -> dict:
    from mahm_search.config import trial_config
    from mahm_search.memory.estimate import estimate_memory

    tally = {"complete": 0, "infeasible_trials": 0, "infeasible_device_s": 0.0, "feasible_device_s": 0.0,
             "estimate_s": 0.0, "trials": 0}

    def objective(trial: optuna.Trial) -> float:
        params = {name: trial.suggest_categorical(name, choices) for name, choices in SPACE.items()}
        tally["trials"] += 1
        if gate:
            t = time.perf_counter()
            estimate = estimate_memory(trial_config(config_dict(params, steps)), "cpu").bytes
            tally["estimate_s"] += time.perf_counter() - t
            if estimate > budget:
                tally["infeasible_trials"] += 1
                raise optuna.TrialPruned(f"estimate {estimate / 2**20:.0f} MiB > budget")
        result = run_trial(params, steps, cap)
        if result["oom"]:
            tally["infeasible_trials"] += 1
            tally["infeasible_device_s"] += result["seconds"]
            raise RuntimeError("out of memory")  # plain Optuna: the trial FAILs
        tally["feasible_device_s"] += result["seconds"]
        tally["complete"] += 1
        return result["loss"]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=5))
    s.optimize(objective, timeout=seconds, catch=(RuntimeError,))
    return tally


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=90, help="wall-clock time per mode")
    ap.add_argument("--budget-mib", type=int, default=180, help="the gate's budget for the tensor estimate")
    ap.add_argument("--cap-mib", type=int, default=360, help="the child's address-space cap above its baseline")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--cap", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.cap)
    budget, cap = args.budget_mib * 2**20, args.cap_mib * 2**20
    rows = {mode: study(mode == "gate on", args.seconds, args.steps, budget, cap) for mode in ("gate off", "gate on")}
    print(f"gate budget {args.budget_mib} MiB (tensor estimate), address-space cap +{args.cap_mib} MiB, "
          f"{args.seconds:.0f} s per mode, {args.steps} steps per trial, TPE seed 0")
    print(f"{'mode':9s} {'trials':>6s} {'complete':>8s} {'infeasible':>10s} {'infeasible dev-s':>16s} "
          f"{'feasible dev-s':>14s} {'estimate s':>10s}")
    for mode, t in rows.items():
        print(f"{mode:9s} {t['trials']:6d} {t['complete']:8d} {t['infeasible_trials']:10d} "
              f"{t['infeasible_device_s']:16.1f} {t['feasible_device_s']:14.1f} {t['estimate_s']:10.1f}")
    off, on = rows["gate off"]["infeasible_device_s"], rows["gate on"]["infeasible_device_s"]
    ratio = on / off if off else float("nan")
    print(f"goal: gate-on infeasible device-seconds <= 1/50 of gate-off: {on:.1f} vs {off:.1f} s "
          f"({'met' if off and on <= off / 50 else 'MISSED' if off else 'gate-off spent none: no verdict'})"
          f"; ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
