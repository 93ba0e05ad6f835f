"""One `mahm-search run STUDY` worker with a stand-in trainer (tests/support/ray_fakes.py: JSON checkpoint
after each eval, resume from it), for the multi-worker PostgreSQL test: `python tests/support/pg_worker.py STUDY`.
Each trial's run folder gets `pid` (who trains it) and `steps.log` (every step trained, in order)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `support`

from support import ray_fakes  # noqa: E402

import mahm_search.search.trial as trial_module  # noqa: E402
from mahm_search.memory import unplanned  # noqa: E402


def logged_train(config, reporter, run_dir):
    run_dir = Path(run_dir)
    (run_dir / "pid").write_text(str(os.getpid()))

    class Logged:
        def __getattr__(self, name):
            return getattr(reporter, name)

        def step_end(self, step, loss):
            with open(run_dir / "steps.log", "a") as f:
                f.write(f"{step}\n")
            reporter.step_end(step, loss)

    return ray_fakes.fake_train(config, Logged(), run_dir)


if __name__ == "__main__":
    trial_module.plan_memory = lambda c, b, d: unplanned(c)
    import mahm_search.train.trainer as trainer

    trainer.train = logged_train
    from mahm_search.cli import main

    main(["run", sys.argv[1]])
