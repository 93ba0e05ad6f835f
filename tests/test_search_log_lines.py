"""`run` with stdout not a terminal: plain, whole lines (no display, no 80-column cut) for each eval,
every interval, and each finished trial, whose error is printed in full."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from mahm_search.console.progress import SearchProgress


def test_plain_lines_at_each_eval_and_interval_and_errors_in_full(capsys):
    now = [0.0]
    progress = SearchProgress(total=3, metric="score", maximize=False, plain=True, log_every_s=60,
                              clock=lambda: now[0])
    with progress:
        reporter = progress.reporter_for(None, number=5, steps=10)
        reporter.start({"start_step": 0})
        now[0] = 30.0
        reporter.step_end(1, 0.9)  # under the interval: no line
        now[0] = 61.0
        reporter.step_end(2, 0.5)  # interval passed: a line, with this process's rate as the ETA
        reporter.report(2, {"score": 12.5})  # an eval: a line
        error = "ValueError: " + "x" * 300
        failed = optuna.trial.create_trial(state=TrialState.FAIL, user_attrs={"error": error})
        failed.number = 7
        progress.done_at_start = 0
        progress.refresh([failed], done=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3, lines
    assert "trial 5 step 2/10 loss 0.5 score - best - eta 0:04:04" in lines[0]  # 61 s per 2 steps, 8 to go
    assert "trial 5 step 2/10 loss 0.5 score 12.5 best -" in lines[1]
    assert lines[2].endswith(f"trial 7 fail {error} [1/3 done, best -]")
