"""Experiment trackers (TensorBoard, MLflow, Weights & Biases) a study logs its trials to."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "TRACKERS": ".spec", "normalize_trackers": ".spec", "missing_extras": ".spec",
    "Tracker": ".base", "TrackerSet": ".base", "TrackerWarning": ".base",
    "make_trackers": ".study", "TrackerCallback": ".study", "log_study_best": ".study", "best_of": ".study",
})
