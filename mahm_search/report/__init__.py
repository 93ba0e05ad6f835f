"""What a study means: score-versus-steps curves, ablation tables, figures and report.md."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "write_figures": ".figures.figures", "write_report": ".markdown", "trial_records": ".records.records",
    "StudyTrial": ".records.records",
})
