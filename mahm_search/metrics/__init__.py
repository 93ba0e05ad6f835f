"""The metrics (the official InterHand2.6M protocols and IntagHand's), their names, and the scoring
of saved predictions on an InterHand2.6M split."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "compute_metrics": ".metrics", "MetricAccumulator": ".metrics", "evaluate_predictions": ".official_eval",
    "OBJECTIVE_METRICS": ".metric_names",
})
