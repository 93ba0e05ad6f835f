"""Two-hand data: the built-in synthetic renderer and the InterHand2.6M reader, one sample dict."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "DataSpec": ".spec", "SyntheticSpec": ".spec", "InterHandSpec": ".spec", "CropSpec": ".spec",
    "build_datasets": ".build", "dummy_batch": ".dummy", "SAMPLE_KEYS": ".sample",
    "SyntheticDataset": ".synthetic", "InterHandDataset": ".interhand.interhand",
})
