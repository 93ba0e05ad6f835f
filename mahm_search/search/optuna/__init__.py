"""The Optuna backend: the worker loop and its processes, the ask lock, Optuna's private API."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "run_optuna": ".optuna_backend", "run_worker_loop": ".optuna_backend", "AskLock": ".ask_lock",
})
