"""The generated MANO-format hand model: anatomy, mesh, rig, pose prior, mirrored left hand."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "default_mano_dir": ".generated", "generate_mano_files": ".generated",
})
