"""The search: study files, search spaces, the trial protocol and record, Optuna and Ray backends."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "StudySpec": "..study.study_spec", "load_study_spec": "..study.study_spec", "PlotsSpec": "..study.plots_spec",
    "SearchSpace": "..study.space", "parse_space": "..study.space", "SAMPLERS": "..study.samplers", "PRUNERS": "..study.pruners",
    "TrialObjective": ".trial", "Admission": ".trial", "TrialRecord": "..study.record", "write_record": "..study.record",
    "run_study": ".runner", "study_status": "..console.status", "open_study": "..study.storage", "describe": "..console.describe",
})
