"""Running a study: the runner and its preflight, the trial protocol, racing, the best configuration
and the blind check; the Optuna worker loop (optuna/), packing trials on a device (packing/), why a
run stops (stopping/) and the Ray backend (ray/)."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "run_study": ".runner", "TrialObjective": ".trial", "Admission": ".trial",
    "PreemptedRun": ".preempt", "EXIT_PREEMPTED": ".preempt", "graceful_signals": ".preempt",
    "HeartbeatJournalStorage": ".journal", "SlurmOptions": ".slurm", "submit_study": ".slurm",
})
