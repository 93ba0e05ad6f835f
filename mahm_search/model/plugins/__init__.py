"""Plug-in networks: backbones from the registry or timm, and heads after them (docs/interfaces.md)."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "make_backbone": ".backbones", "FeatureBackbone": ".feature_backbone", "HeadNet": ".head_net",
    "hand_outputs": ".hand_outputs",
})
