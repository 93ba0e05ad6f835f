"""The 2D-joint heads: heatmaps and the integral (2.5D) joint head."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "HeatmapHead": ".heatmap", "IntegralJointHead": ".joint_head", "DEPTH_UNIT_MM": ".joint_head",
})
