"""Loss-term and metric plug-ins in training: evaluation of metric plug-ins and the contract check."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "PluginMetrics": ".metrics", "plugin_problems": ".check", "uses_plugins": ".check",
})
