"""The blind baseline (the mean hand) and its on-disk cache."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "blind_baseline": ".blind", "BlindBaseline": ".blind", "MeanHandPredictor": ".blind",
})
