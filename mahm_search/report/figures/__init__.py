"""The figures (curves, ablation, history, importance), their shared style and chance line, trials.csv."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "write_figures": ".figures", "FiguresResult": ".figures",
})
