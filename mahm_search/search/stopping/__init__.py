"""Why a run stops: stopping errors (a full disk), storage errors and their retries, recovery of
interrupted trials, the wait watch and the error streak."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "StudyStopped": ".stop", "stopping_error": ".stop", "stops_on_full_disk": ".stop",
    "ErrorStreak": ".error_streak", "WaitWatch": ".wait_watch",
})
