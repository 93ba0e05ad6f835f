"""InterHand2.6M: the dataset, its annotation files, index, cache and streamed reading."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "InterHandDataset": ".interhand",
})
