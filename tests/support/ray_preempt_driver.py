"""`python tests/support/ray_preempt_driver.py STUDY.yaml`: a Ray study with the preemptible stand-in
trainer, run as the CLI runs it (a MahmError: its one line and its exit status)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `support`

from ray import cloudpickle  # noqa: E402
from support import preempt_fakes, ray_fakes  # noqa: E402

import mahm_search.search.trial as trial_module  # noqa: E402
from mahm_search.errors import MahmError  # noqa: E402
from mahm_search.search.ray import run_ray  # noqa: E402
from mahm_search.study.study_spec import load_study_spec  # noqa: E402

if __name__ == "__main__":
    ray_fakes.pickle_by_value(cloudpickle)  # the workers do not have tests/ on their path
    cloudpickle.register_pickle_by_value(preempt_fakes)
    trial_module.plan_memory = ray_fakes.fake_plan
    spec = load_study_spec(sys.argv[1])
    try:
        run_ray(spec, n_trials=spec.n_trials, train_fn=preempt_fakes.fake_train_preemptible)
    except MahmError as err:
        print(f"{getattr(err, 'prefix', 'error')}: {err}", file=sys.stderr, flush=True)
        sys.exit(getattr(err, "exit_code", 2))
