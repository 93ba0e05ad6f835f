"""Faults during a study: a full disk stops `run` (exit 1, one line) with the trial left to retry;
the same error ending trials in a row stops it too; `--retry-failed` trains those configurations
after a fix; `status` groups the failures by error, in full."""

from __future__ import annotations

import optuna
from optuna.trial import TrialState
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.files import DiskFullError
from support.search import use_fake_trainer, write_study


def _trials(tmp_path):
    return optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db").get_trials()


def _run(*args):
    return CliRunner().invoke(app, ["run", *map(str, args)])


def _error_lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_disk_full_stops_the_run_and_the_rerun_resumes_the_trial(tmp_path, monkeypatch):
    path = write_study(tmp_path, n_trials=2)
    full = DiskFullError(f"no space left on device writing {tmp_path}/tiny_runs/trial_0/checkpoint.pt; "
                         "free space and rerun the same command to resume")
    use_fake_trainer(monkeypatch, calls := [], fail_on={0: full})
    result = _run(path)
    assert result.exit_code == 1, result.output
    (line,) = _error_lines(result)  # one line, no traceback
    assert "no space left on device" in line and "trial 0" in line
    trials = _trials(tmp_path)
    assert len(trials) == 2 and trials[0].state == TrialState.FAIL and "error" not in trials[0].user_attrs
    assert trials[1].state == TrialState.WAITING and trials[1].system_attrs["failed_trial"] == 0
    assert trials[1].intermediate_values == {2: 50.0}  # the curve so far goes with the retry

    use_fake_trainer(monkeypatch, calls := [])  # space freed
    assert _run(path).exit_code == 0
    trials = _trials(tmp_path)
    assert trials[1].state == TrialState.COMPLETE and trials[1].params == trials[0].params
    assert sum(t.state == TrialState.COMPLETE for t in trials) == 2 and len(calls) == 2


def test_same_error_three_times_stops_and_retry_failed_trains_them_after_a_fix(tmp_path, monkeypatch):
    path = write_study(tmp_path, n_trials=5)
    broken = {i: FileNotFoundError(f"/data/interhand/annotations/train_{i}.json") for i in range(5)}
    use_fake_trainer(monkeypatch, [], fail_on=broken)
    result = _run(path)
    assert result.exit_code == 1, result.output
    (line,) = _error_lines(result)
    assert "3 trials in a row (0, 1, 2) failed with the same error" in line and "--retry-failed" in line
    assert [t.state for t in _trials(tmp_path)] == [TrialState.FAIL] * 3

    status = CliRunner().invoke(app, ["status", str(path)], terminal_width=80)
    assert status.exit_code == 0
    assert "FAIL 3 (trials 0, 1, 2): FileNotFoundError: /data/interhand/annotations/train_0.json" in status.stdout

    use_fake_trainer(monkeypatch, calls := [])  # fixed
    assert _run(path).exit_code == 0
    assert len(calls) == 2  # without the flag, the failed ones still count: only 2 new trials
    assert _run(path, "--retry-failed").exit_code == 0
    trials = _trials(tmp_path)
    retried = {t.system_attrs["retry_of_failed"]: t for t in trials if "retry_of_failed" in t.system_attrs}
    assert sorted(retried) == [0, 1, 2] and len(calls) == 5
    assert all(r.state == TrialState.COMPLETE and r.params == trials[n].params for n, r in retried.items())
