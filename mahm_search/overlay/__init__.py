"""Drawing a network's two predicted hand meshes over the images (and a side view): the figure every
two-hand paper shows, for image files with boxes or for samples of a split."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "draw_overlays": ".overlays", "render_command": ".command",
    "read_boxes": ".boxes",
})
