"""The study file and what it names: StudySpec and its sections, the search space and how a list
choice is stored, the sampler and pruner registries, the plots section, the storage, the trial record."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "StudySpec": ".study_spec", "load_study_spec": ".study_spec", "PlotsSpec": ".plots_spec",
    "SearchSpace": ".space", "parse_space": ".space", "SAMPLERS": ".samplers", "PRUNERS": ".pruners",
    "TrialRecord": ".record", "write_record": ".record", "open_study": ".storage",
})
