"""A study's trials as the report reads them: the rows, the study opened read-only, what the trials ran."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "trial_records": ".records", "StudyTrial": ".records", "load_study": ".source", "LoadedStudy": ".source",
})
