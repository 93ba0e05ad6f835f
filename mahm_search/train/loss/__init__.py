"""The training loss: its terms, the ground truth it needs, and `balance: auto`."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "MAHMLoss": ".losses", "TERMS": ".losses", "ground_truth": ".targets",
})
