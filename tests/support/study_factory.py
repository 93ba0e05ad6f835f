"""Studies for the report tests, made by the real search: the study file is loaded, each trial is
admitted and trained by TrialObjective (the code `mahm-search run` runs) and recorded in SQLite, with
a stand-in trainer and memory planner in place of the network. So the report reads exactly what a
real run writes; only the scores are made up (exponential learning curves with noise, and per-sample
validation errors that share each sample's difficulty across configurations, so pairing matters).

Shaped like the MAHM report's Figures 1-2: deeper cascades score lower; self-attention converges
faster and fits the budget only by a rescue, and its deepest model runs out of memory half-way
through its first seed.
"""

from __future__ import annotations

import dataclasses
import math
import random
import shutil
from pathlib import Path
from typing import Literal, Optional
from unittest import mock

import optuna
import yaml
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

import mahm_search.search.trial as trial_module
from mahm_search.memory import MemoryPlan
from mahm_search.search.optuna.optuna_backend import run_worker_loop
from mahm_search.study.storage import open_study
from mahm_search.study.study_spec import load_study_spec
from mahm_search.search.trial import TrialObjective
from mahm_search.train.result import TrainResult

from .fake_trainer import fake_steps

WIDTHS = {  # cascade -> (final score mm, score at step 0); deeper is better, as in Figure 1
    "512-256-512": (56.0, 120.0),
    "1024-512-256-512-1024": (52.5, 118.0),
    "1024-512-256-128-256-512-1024": (48.7, 115.0),
}
DEEPEST = "1024-512-256-128-256-512-1024"
STEPS, EVAL_EVERY = 2000, 100
N_VAL = 32  # validation samples; each has its own difficulty, shared by every configuration
DIFFICULTY = [random.Random(f"sample/{i}").gauss(0, 6.0) for i in range(N_VAL)]
BUDGET = 10 * 2**30
_made: dict[tuple, Path] = {}  # one real run per kind of study; later calls copy its database


def stand_in_plan(config, budget_bytes, device) -> MemoryPlan:
    """Self-attention needs a rescue (activation checkpointing of the stages) to fit; the rest fit."""
    attention = bool(config.arch.self_attention)
    if attention:
        train = config.train.model_copy(update={"checkpointing": ["stages"]})
        config = config.model_copy(update={"train": train})
    return MemoryPlan(config=config, estimate_bytes=9_000_000_000 if attention else 6_000_000_000,
                      original_estimate_bytes=12_000_000_000 if attention else 6_000_000_000,
                      rescue="checkpointing=stages" if attention else "none", fits=True, method="stand-in")


def stand_in_train(config, reporter, run_dir) -> TrainResult:
    """train()'s contract in milliseconds (the tests' one stand-in loop, fake_trainer.fake_steps), with
    this family's learning curves and the last evaluation's per-sample errors."""
    widths = "-".join(str(w) for w in config.arch.cascade_widths)
    attention = bool(config.arch.self_attention)
    seed = config.train.seed
    rng = random.Random(f"{widths}/{attention}/{seed}")
    final, start = WIDTHS[widths]
    final += rng.gauss(0, 0.4) - (1.0 if attention else 0.0)
    tau = 200 if attention else 400
    last = STEPS // 2 if attention and widths == DEEPEST and seed == 0 else STEPS

    def metrics(config, step: int) -> dict:
        if step > last:
            raise MemoryError("stand-in: out of memory half-way")
        score = final + (start - final) * math.exp(-step / tau) + rng.gauss(0, 0.6)
        return {"score": score, "mpjpe": score, "mpvpe": score, "pa_mpjpe": score / 2, "mrrpe": score}

    result = fake_steps(config, reporter, run_dir, metrics=metrics, checkpoint=False, loss=lambda step: 1.0,
                        params_count=10_000_000 + 3_000 * sum(config.arch.cascade_widths),
                        memory_peak_bytes=5_500_000_000)
    # the last evaluation's per-sample errors: sample difficulty (common to all) + this run's own noise;
    # the final score is their mean, so a paired comparison sees the same differences as the scores
    centre = result.history[-1]["score"]
    per_sample = [centre + d + rng.gauss(0, 1.5) for d in DIFFICULTY]
    shift = centre - sum(per_sample) / N_VAL
    return dataclasses.replace(result, wall_time_s=3.6 * STEPS, val_scores=[v + shift for v in per_sample],
                               val_ids=None)


def make_study(folder: str | Path, kind: Literal["cascade", "self_attention", "two_cascades"] = "cascade",
               name: Optional[str] = None, repeats: int = 1, plots: Optional[dict] = None,
               extra: tuple[optuna.trial.FrozenTrial, ...] = (), memory: Optional[str] = "10GiB") -> Path:
    """Write NAME.yaml and run it into NAME.db in `folder`; `extra` trials (states the search does
    not reach quickly, e.g. RUNNING) are added after. Returns the study file's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = name or f"demo-{kind}"
    # Figure 2 (and "two_cascades", one factor of two levels): the two deeper cascades
    widths = list(WIDTHS) if kind == "cascade" else list(WIDTHS)[1:]
    space = {"arch.cascade_widths": {"choices": [[int(w) for w in k.split("-")] for k in widths]}}
    if kind == "self_attention":
        space["arch.self_attention"] = {"choices": [False, True]}
    configs = len(widths) * (2 if kind == "self_attention" else 1)
    spec = {"name": name, "storage": f"sqlite:///{name}.db", "objective": {"metric": "score", "direction": "minimize"},
            "sampler": {"type": "grid", "seed": 0}, "pruner": {"type": "none"}, "n_trials": configs * repeats,
            "repeats": repeats, "memory": memory, "train": {"steps": STEPS, "eval_every": EVAL_EVERY},
            "data": {"synthetic": {"n_val": N_VAL}},
            "space": space}
    if plots:
        spec["plots"] = plots
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    db = folder / f"{name}.db"
    db.unlink(missing_ok=True)
    key = (kind, name, repeats, memory)
    if key in _made and _made[key].is_file():
        shutil.copyfile(_made[key], db)
    else:
        _run(path)
        template = Path(folder).parent / f".{name}-{kind}-{repeats}-{memory}.db"
        shutil.copyfile(db, template)
        _made[key] = template
    if extra:
        study = optuna.load_study(study_name=name, storage=f"sqlite:///{db}")
        for t in extra:
            study.add_trial(t)
    return path


def lr_trials() -> tuple[optuna.trial.FrozenTrial, ...]:
    """Three extra COMPLETE trials (for make_study's `extra`) of the shallowest cascade that differ only
    in train.lr: lines that a figure groups by the cascade alone must still be told apart."""
    dists = {"arch.cascade_widths": CategoricalDistribution(list(WIDTHS)),
             "train.lr": FloatDistribution(1e-4, 1e-2, log=True)}
    return tuple(create_trial(state=TrialState.COMPLETE, value=50.0 + i, intermediate_values={100: 60.0, 200: 50.0 + i},
                              params={"arch.cascade_widths": "512-256-512", "train.lr": lr}, distributions=dists)
                 for i, lr in enumerate((1e-4, 1e-3, 1e-2)))


def _run(path: Path) -> None:
    spec = load_study_spec(path)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(spec, create=True)
    with mock.patch.object(trial_module, "plan_memory", stand_in_plan):
        run_worker_loop(spec, study, spec.n_trials, objective=TrialObjective(spec, train_fn=stand_in_train))
