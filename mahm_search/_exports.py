"""Public names re-exported by a package's __init__, imported on first use (PEP 562).

Lazy, so that `import mahm_search` and `mahm-search --help` stay instant (no torch, optuna or ray until
a name is used), and so that re-exports never create import cycles between the layers.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import Callable, Dict, List, Tuple


def lazy_exports(package: str, exports: Dict[str, str]) -> Tuple[Callable, Callable, List[str]]:
    """exports: public name -> module (relative to `package`) that defines it.
    Returns (__getattr__, __dir__, __all__) for the package's __init__."""

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(exports[name], package), name)

    def __dir__() -> List[str]:
        return sorted(exports)

    return __getattr__, __dir__, sorted(exports)


def callable_package(package: str, function: str) -> None:
    """Make `package` callable as its own `function`: `mahm_search.train` is both the training
    package and, as `from mahm_search import train; train(config)`, the function that trains."""
    module = sys.modules[package]

    class _CallablePackage(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(self, function)(*args, **kwargs)

    module.__class__ = _CallablePackage
