"""A finished run's folder: which of its checkpoints stay once the run can no longer resume."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "KEEP_CHOICES": ".keep", "keep_checkpoints": ".keep",
})
