"""`mahm-search run STUDY --workers auto` with fake memory estimates and a stand-in trainer, for the
packing test: `python tests/support/pack_driver.py STUDY`. The fakes are set at module level, so the spawned workers
(which import this file as `__mp_main__`) get them too. The estimate is the batch size's (ESTIMATES);
each trial writes `interval.json` (pid, estimate, when its training began and ended, its torch threads
and CPU share) in its run folder.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `support`

import mahm_search.search.optuna.optuna_backend as backend  # noqa: E402
import mahm_search.search.packing.packed as packed  # noqa: E402
import torch  # noqa: E402
import mahm_search.search.trial as trial_module  # noqa: E402
import mahm_search.train.trainer as trainer  # noqa: E402
from mahm_search.memory import unplanned  # noqa: E402
from support.search import fake_train  # noqa: E402

MiB = 2**20
ESTIMATES = {2: 4 * MiB, 4: 7 * MiB}  # with `memory: 11MiB`: 4+4 and 4+7 fit together, 7+7 does not
HOLD_S = 0.8


def fake_plan(config, budget, device):
    estimate = ESTIMATES[config.train.batch_size]
    return unplanned(config, estimate_bytes=estimate, fits=budget is None or estimate <= budget)


def timed_train(config, reporter, run_dir):
    began = time.time()
    time.sleep(HOLD_S)
    result = fake_train([])(config, reporter, run_dir)
    Path(run_dir, "interval.json").write_text(json.dumps({
        "pid": os.getpid(), "estimate": ESTIMATES[config.train.batch_size], "began": began, "ended": time.time(),
        "threads": torch.get_num_threads(), "cpus": os.environ.get("MAHM_SEARCH_CPUS")}))
    return result


trial_module.plan_memory = fake_plan
trainer.train = timed_train
backend.cpu_share = packed.cpu_share = lambda: 8  # memory, not this machine's cores, decides the count

if __name__ == "__main__":
    from mahm_search.cli import main

    main(["run", sys.argv[1], "--workers", "auto"])
