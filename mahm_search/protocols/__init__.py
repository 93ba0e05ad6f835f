"""The published evaluation protocols' sample subsets of InterHand2.6M (InterHand2.6M, InterWild,
IntagHand), each selected as its official code selects it."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "SUBSETS": ".subsets", "Subset": ".subsets", "select_subset": ".subsets",
})
