"""One job of the array: the normal worker loop (`mahm-search run`'s, on the study's storage), as a
submitit Checkpointable, so SLURM's preemption and timeout go through submitit's checkpoint/requeue.

submitit's own handler for its signal (SIGUSR2, sent `signal_delay_s` before the time limit and on
preemption) would checkpoint and requeue at once, in the middle of a step. So inside the job that
signal first only asks the running trial to stop (train/preempt.py), as SIGTERM/SIGINT/SIGUSR1 do;
once the trial has checkpointed and been queued to resume (search/preempt/), the worker hands over
to submitit's handler, which calls `checkpoint()` (this same job, resubmitted) and requeues. The
requeued job reruns the loop, which resumes the trial from its checkpoint."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Optional

import submitit

from ...train import preempt
from ..preempt import PreemptedRun, log_event


class StudyWorker(submitit.helpers.Checkpointable):
    def __init__(self, study_path: str, n_trials: Optional[int] = None, overrides: tuple = ()):
        self.study_path = str(study_path)
        self.n_trials = n_trials
        self.overrides = tuple(overrides)

    def __call__(self) -> int:
        from ..runner import run_study

        job = _job_name()
        requeue = signal.getsignal(signal.SIGUSR2)  # submitit's checkpoint-and-requeue
        signal.signal(signal.SIGUSR2, _ask_to_stop)
        try:
            run_study(Path(self.study_path), n_trials=self.n_trials, backend="optuna", overrides=self.overrides)
        except PreemptedRun as err:
            reason = preempt.requested() or "signal"
            log_event(f"slurm requeue job {job} reason {reason}: {err}")
            if callable(requeue):
                requeue(signal.SIGUSR2, None)  # checkpoint() below, requeue, exit
            raise
        finally:
            signal.signal(signal.SIGUSR2, requeue)
        return 0

    def checkpoint(self, *args, **kwargs) -> submitit.helpers.DelayedSubmission:
        """The study's storage and the trials' run folders hold the state: resubmit the same job."""
        return submitit.helpers.DelayedSubmission(StudyWorker(self.study_path, self.n_trials, self.overrides))


def _ask_to_stop(signum, frame) -> None:
    if preempt.requested() is None:
        preempt.request(signal.Signals(signum).name)
        log_event(f"preempt signal {signal.Signals(signum).name}: slurm preemption or time limit; the running "
                  "trial checkpoints at its next step, then the job is requeued")


def _job_name() -> str:
    try:
        return str(submitit.JobEnvironment().job_id)
    except Exception:  # not in a submitit job (a test calling the worker directly)
        return "?"
