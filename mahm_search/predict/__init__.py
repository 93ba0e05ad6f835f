"""Predictions of a trained checkpoint on a whole split, in the .npz that `mahm-search evaluate` reads."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "load_trained_model": ".checkpoint_model", "TrainedModel": ".checkpoint_model",
    "prediction_set": ".samples", "PredictionSet": ".samples",
    "predict": ".run", "predict_command": ".run", "write_predictions": ".npz_file", "NPZ_KEYS": ".npz_file",
})
