"""Packing trials on one device by memory estimate: the rule, the cross-process ledger, the packed
objective and `--workers auto`."""

from ..._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "fits": ".rule", "auto_workers": ".rule", "MemoryLedger": ".ledger",
    "PackedObjective": ".packed", "auto_worker_count": ".packed",
})
