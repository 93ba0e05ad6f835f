"""Demo studies shaped like the MAHM report's Figures 1-2, for tests, docs and trying the plots.

They are real Optuna studies in SQLite with the user attrs of docs/interfaces.md; the scores are
synthetic (exponential learning curves with noise), not measurements.
"""

from __future__ import annotations

import hashlib
import math
import random
from pathlib import Path
from typing import Literal, Optional

import optuna
import yaml
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial

WIDTHS = {  # cascade -> (final score mm, score at step 0); deeper is better, as in Figure 1
    "512-256-512": (56.0, 120.0),
    "1024-512-256-512-1024": (52.5, 118.0),
    "1024-512-256-128-256-512-1024": (48.7, 115.0),
}
STEPS, EVAL_EVERY = 2000, 100


def _curve(final: float, start: float, tau: float, last_step: int, rng: random.Random) -> dict[int, float]:
    return {s: final + (start - final) * math.exp(-s / tau) + rng.gauss(0, 0.6)
            for s in range(EVAL_EVERY, last_step + 1, EVAL_EVERY)}


def _trial(params: dict, curve: dict[int, float], state: TrialState, repeat: int, seed: int,
           prune_reason: Optional[str] = None, error: Optional[str] = None) -> optuna.trial.FrozenTrial:
    core = {k: v for k, v in params.items()}
    attrs = {
        "config": {"arch": {"cascade_widths": [int(w) for w in params["arch.cascade_widths"].split("-")],
                            "self_attention": params.get("arch.self_attention", False)}},
        "params_count": 10_000_000 + 3_000 * sum(int(w) for w in params["arch.cascade_widths"].split("-")),
        "memory_estimate_bytes": 9_000_000_000 if params.get("arch.self_attention") else 6_000_000_000,
        "memory_peak_bytes": None if state == TrialState.RUNNING else 5_500_000_000,
        "rescue": "checkpointing=stages" if params.get("arch.self_attention") else "none",
        "steps_done": max(curve, default=0), "wall_time_s": 3.6 * max(curve, default=0),
        "config_key": hashlib.sha1(repr(sorted(core.items())).encode()).hexdigest()[:12],
        "repeat": repeat, "seed": seed,
        "final_metrics": {"score": curve[max(curve)]} if curve and state == TrialState.COMPLETE else {},
    }
    if prune_reason:
        attrs["prune_reason"] = prune_reason
    if error:
        attrs["error"] = error
    dists = {"arch.cascade_widths": CategoricalDistribution(list(WIDTHS)),
             "arch.self_attention": CategoricalDistribution([False, True])}
    return create_trial(
        state=state, params=params, distributions={k: dists[k] for k in params},
        value=curve[max(curve)] if state == TrialState.COMPLETE else None,
        intermediate_values=curve, user_attrs=attrs)


def demo_trials(kind: str, repeats: int, seed: int) -> list[optuna.trial.FrozenTrial]:
    rng = random.Random(seed)
    trials = []
    for r in range(repeats):
        if kind == "cascade":  # Figure 1: deeper cascades reach better scores
            for widths, (final, start) in WIDTHS.items():
                curve = _curve(final + rng.gauss(0, 0.5), start, 400, STEPS, rng)
                trials.append(_trial({"arch.cascade_widths": widths}, curve, TrialState.COMPLETE, r, seed + r))
        else:  # Figure 2: self-attention converges faster but its run dies of memory half-way
            for widths in ("1024-512-256-512-1024", "1024-512-256-128-256-512-1024"):
                final, start = WIDTHS[widths]
                for attn in (False, True):
                    params = {"arch.cascade_widths": widths, "arch.self_attention": attn}
                    tau, offset = (200, -1.0) if attn else (400, 0.0)
                    deepest_attn = attn and widths.count("-") == 6
                    last = STEPS // 2 if deepest_attn and r == 0 else STEPS
                    curve = _curve(final + offset + rng.gauss(0, 0.4), start, tau, last, rng)
                    state = TrialState.PRUNED if last < STEPS else TrialState.COMPLETE
                    trials.append(_trial(params, curve, state, r, seed + r,
                                         prune_reason="memory" if state == TrialState.PRUNED else None))
    return trials


def make_demo_study(folder: str | Path, kind: Literal["cascade", "self_attention"] = "cascade",
                    name: Optional[str] = None, repeats: int = 1, plots: Optional[dict] = None,
                    extra: tuple[optuna.trial.FrozenTrial, ...] = (), seed: int = 0) -> Path:
    """Write NAME.yaml and NAME.db into `folder`; return the study file's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = name or f"demo-{kind}"
    db = folder / f"{name}.db"
    db.unlink(missing_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=f"sqlite:///{db}", direction="minimize")
    for t in list(demo_trials(kind, repeats, seed)) + list(extra):
        study.add_trial(t)
    spec = {"name": name, "storage": f"sqlite:///{name}.db",
            "objective": {"metric": "score", "direction": "minimize"}, "repeats": repeats,
            "space": {"arch.cascade_widths": {"choices": [[int(w) for w in k.split("-")] for k in WIDTHS]}}}
    if kind == "self_attention":
        spec["space"]["arch.self_attention"] = {"choices": [False, True]}
    if plots:
        spec["plots"] = plots
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def write_docs_figures(docs: str | Path, work: str | Path) -> list[Path]:
    """docs/figure1_cascade_curves.png and docs/figure2_self_attention_curves.png from the demo studies."""
    import shutil

    from .figures import write_figures

    written = []
    for number, kind in ((1, "cascade"), (2, "self_attention")):
        result = write_figures(make_demo_study(work, kind), quiet=True)
        target = Path(docs) / f"figure{number}_{kind}_curves.png"
        shutil.copyfile(result.files["curves"], target)
        written.append(target)
    return written


if __name__ == "__main__":  # python -m mahm_search.report.demo docs /tmp/demo-studies
    import sys

    for path in write_docs_figures(sys.argv[1], sys.argv[2]):
        print(f"wrote {path}")
