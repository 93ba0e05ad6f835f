"""MAHM networks from a parametric spec: a name or spec in, a model out (build_model)."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "ArchSpec": ".spec", "build_model": ".builder", "MAHMNet": ".network",
    "count_parameters": ".complexity", "flops_per_sample": ".complexity",
    "hand_outputs": ".plugins.hand_outputs",
})
