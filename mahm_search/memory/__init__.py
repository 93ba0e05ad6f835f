"""Peak training memory of a config, predicted without running it on its device, and the rescue
ladder (activation checkpointing, then micro-batches) that fits a config into a budget.

    from mahm_search.memory import estimate_memory, plan_memory
    estimate_memory(config, "cpu").bytes
"""

from .._exports import lazy_exports

_ESTIMATE = ("CUDA_ALLOCATOR_OVERHEAD", "CUDA_CONTEXT_BYTES", "CUDA_WORKSPACE_BYTES", "METHOD_FAKE",
             "METHOD_LOWER_BOUND", "METHOD_META", "MemoryEstimate", "estimate_memory", "estimate_peak_bytes")
_PLAN = ("MemoryPlan", "plan_memory", "rescue_ladder", "unplanned")
# units.py imports no torch: a study file is validated without loading it.
_UNITS = ("CPU_BUDGET_SHARE", "default_budget_bytes", "format_bytes", "parse_bytes", "total_ram_bytes")

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    **{name: ".estimate" for name in _ESTIMATE}, **{name: ".plan" for name in _PLAN},
    **{name: ".units" for name in _UNITS}})
