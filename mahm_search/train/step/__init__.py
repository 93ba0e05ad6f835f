"""One optimizer step as a function: eager, compiled, captured as a CUDA graph; its peak memory."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "make_training_step": ".step", "make_optimizer": ".step", "StepOutput": ".step",
})
