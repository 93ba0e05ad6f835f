"""The search: study files, search spaces, the trial protocol and record, Optuna and Ray backends."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "StudySpec": ".study_spec", "load_study_spec": ".study_spec", "PlotsSpec": ".plots_spec",
    "SearchSpace": ".space", "parse_space": ".space", "SAMPLERS": ".samplers", "PRUNERS": ".pruners",
    "TrialObjective": ".trial", "Admission": ".trial", "TrialRecord": ".record", "write_record": ".record",
    "run_study": ".runner", "study_status": ".status", "open_study": ".storage", "describe": ".describe",
    "PreemptedRun": ".preempt", "EXIT_PREEMPTED": ".preempt", "graceful_signals": ".preempt",
    "HeartbeatJournalStorage": ".journal", "SlurmOptions": ".slurm", "submit_study": ".slurm",
})
