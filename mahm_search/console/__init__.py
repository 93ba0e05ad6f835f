"""What the terminal shows: a run's progress and end-of-run summary, `status` and `describe`."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "study_status": ".status", "describe": ".describe", "SearchProgress": ".progress",
})
