"""Training one configuration: the loss (loss/), the step (step/), the trainer and its reporter hooks,
and the blind baseline (blind/, the mean hand) its scores are read against; the metrics are metrics/."""

from .._exports import callable_package, lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "TrainSpec": ".spec", "LossSpec": ".spec", "LossWeights": ".spec",
    "train": ".trainer", "TrainResult": ".result", "Reporter": ".reporter", "MultiReporter": ".reporter",
    "MAHMLoss": ".loss.losses",
    "blind_baseline": ".blind.blind", "BlindBaseline": ".blind.blind", "MeanHandPredictor": ".blind.blind",
    "Preempted": ".preempt",
})

callable_package(__name__, "train")  # from mahm_search import train; train(config, reporter, run_dir)
