"""MANO through smplx for two hands: the layer, real or generated MANO-format model files."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "ManoSpec": ".spec", "TwoHandMANO": ".layer", "resolve_mano_dir": ".layer",
    "default_mano_dir": ".generated.generated", "generate_mano_files": ".generated.generated", "convert_mano_dir": ".convert",
    "JOINT_NAMES": ".joints", "NUM_JOINTS": ".joints", "ROOT": ".joints", "SKELETON": ".joints",
})
