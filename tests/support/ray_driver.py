"""Run a study on the Ray backend with the stand-ins of ray_fakes.py (used as a subprocess by the
kill-and-resume test, and in-process by the others): `python tests/support/ray_driver.py STUDY.yaml`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `support`

from ray import cloudpickle  # noqa: E402
from support import ray_fakes  # noqa: E402

import mahm_search.search.trial as trial_module  # noqa: E402
from mahm_search.search.ray import run_ray  # noqa: E402
from mahm_search.study.study_spec import load_study_spec  # noqa: E402


def run_with_fakes(study_file, n_trials=None, train_fn=None):
    ray_fakes.pickle_by_value(cloudpickle)  # the workers do not have tests/ on their path
    trial_module.plan_memory = ray_fakes.fake_plan  # the driver-side admission
    spec = load_study_spec(study_file)
    return run_ray(spec, n_trials=n_trials or spec.n_trials, train_fn=train_fn or ray_fakes.fake_train)


if __name__ == "__main__":
    run_with_fakes(sys.argv[1])
