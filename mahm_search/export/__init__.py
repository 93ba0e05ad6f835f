"""What a study hands on: the full configuration of one of its ranked configurations, as a file that
`mahm-search train` accepts."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "best_config_text": ".best_config", "write_best_config": ".best_config", "ranked_configuration": ".best_config",
})
