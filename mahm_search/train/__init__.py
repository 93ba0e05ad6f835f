"""Training one configuration: losses, the official metrics, the trainer and its reporter hooks, and the
blind baseline (the mean hand) its scores are read against."""

from .._exports import callable_package, lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "TrainSpec": ".spec", "LossSpec": ".spec", "LossWeights": ".spec",
    "train": ".trainer", "TrainResult": ".result", "Reporter": ".reporter", "MultiReporter": ".reporter",
    "MAHMLoss": ".losses", "compute_metrics": ".metrics", "MetricAccumulator": ".metrics",
    "evaluate_predictions": ".official_eval",
    "blind_baseline": ".blind", "BlindBaseline": ".blind", "MeanHandPredictor": ".blind",
    "Preempted": ".preempt",
})

callable_package(__name__, "train")  # from mahm_search import train; train(config, reporter, run_dir)
