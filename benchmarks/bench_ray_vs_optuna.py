"""Wall time and scheduler overhead of one small study on the Ray backend vs the Optuna backend.

Both run the same study (8 trials, 8 steps, no pruner, stand-in trainer of tests/support/ray_fakes.py that
sleeps STEP_S per step) so the difference is the backend's own cost: Ray start-up, trial launch,
result round trips, storage writes. overhead = wall time - summed trial time / parallel slots.

    python benchmarks/bench_ray_vs_optuna.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
STEP_S = 0.1
os.environ["MAHM_FAKE_STEP_S"] = str(STEP_S)

import optuna  # noqa: E402

from support import ray_fakes  # noqa: E402
import mahm_search.search.trial as trial_module  # noqa: E402
from mahm_search.search.optuna.optuna_backend import run_worker_loop  # noqa: E402
from mahm_search.study.storage import open_study  # noqa: E402
from mahm_search.study.study_spec import load_study_spec  # noqa: E402
from mahm_search.search.trial import TrialObjective  # noqa: E402

N_TRIALS, STEPS = 8, 8
STUDY = f"""name: bench
n_trials: {N_TRIALS}
sampler: {{type: random, seed: 0}}
pruner: {{type: none}}
base: {{train: {{steps: {STEPS}, eval_every: 2}}}}
space: {{train.lr: {{float: [1.0e-5, 1.0e-1], log: true}}}}
ray: {{cpus_per_trial: 1}}
"""


def bench_optuna(folder: Path) -> float:
    spec = load_study_spec(_write(folder))
    study = open_study(spec, create=True)
    started = time.perf_counter()
    run_worker_loop(spec, study, N_TRIALS, objective=TrialObjective(spec, train_fn=ray_fakes.fake_train))
    return time.perf_counter() - started


def bench_ray(folder: Path) -> float:
    from ray import cloudpickle

    from mahm_search.search.ray import run_ray

    ray_fakes.pickle_by_value(cloudpickle)
    spec = load_study_spec(_write(folder))
    started = time.perf_counter()
    run_ray(spec, n_trials=N_TRIALS, train_fn=ray_fakes.fake_train)
    return time.perf_counter() - started


def _write(folder: Path) -> Path:
    path = folder / "bench.yaml"
    path.write_text(STUDY)
    return path


def main() -> None:
    trial_module.plan_memory = ray_fakes.fake_plan  # the real estimate is not what is timed
    train_s = N_TRIALS * STEPS * STEP_S
    rows = []
    for name, fn, slots in (("optuna (1 worker)", bench_optuna, 1), ("ray (local, 2 CPUs)", bench_ray, 2)):
        with tempfile.TemporaryDirectory() as tmp:
            wall = fn(Path(tmp))
            study = optuna.load_study(study_name="bench", storage=f"sqlite:///{tmp}/bench.db")
            assert len(study.trials) == N_TRIALS
        overhead = wall - train_s / slots
        rows.append((name, wall, overhead, overhead / N_TRIALS))
    print(f"\n{N_TRIALS} trials x {STEPS} steps x {STEP_S}s (training time {train_s:.1f}s in total)")
    print(f"{'backend':22s} {'wall s':>8s} {'overhead s':>11s} {'per trial s':>12s}")
    for name, wall, overhead, per in rows:
        print(f"{name:22s} {wall:8.1f} {overhead:11.1f} {per:12.2f}")


if __name__ == "__main__":
    main()
