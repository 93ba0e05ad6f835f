"""Plug-in datasets (data.source: a registered name or module.path:callable)."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {"PluginDataset": ".dataset", "raw_problem": ".dataset"})
