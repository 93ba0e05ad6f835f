"""Plug-ins: registries of backbones, heads (the network after the backbone), datasets, loss terms and
metrics, fed by decorators, entry points or `module.path:callable` names (registry.py)."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "Registry": ".registry", "PluginError": ".registry",
    "BACKBONES": ".kinds", "HEADS": ".kinds", "DATASETS": ".kinds", "LOSS_TERMS": ".kinds", "METRICS": ".kinds",
    "register_backbone": ".kinds", "register_head": ".kinds", "register_dataset": ".kinds",
    "register_loss_term": ".kinds", "register_metric": ".kinds",
})
