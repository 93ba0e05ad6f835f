"""Peak training memory of a config, predicted without running it on its device, and the rescue
ladder (activation checkpointing, then micro-batches) that fits a config into a budget.

    from mahm_search.memory import estimate_memory, plan_memory
    estimate_memory(config, "cpu").bytes
"""

from .estimate import (CUDA_ALLOCATOR_OVERHEAD, CUDA_CONTEXT_BYTES, CUDA_WORKSPACE_BYTES, METHOD_FAKE,
                       METHOD_LOWER_BOUND, METHOD_META, MemoryEstimate, estimate_memory,
                       estimate_peak_bytes)
from .plan import MemoryPlan, plan_memory, rescue_ladder, unplanned
from .units import CPU_BUDGET_SHARE, default_budget_bytes, format_bytes, parse_bytes, total_ram_bytes

__all__ = [
    "CPU_BUDGET_SHARE", "CUDA_ALLOCATOR_OVERHEAD", "CUDA_CONTEXT_BYTES", "CUDA_WORKSPACE_BYTES", "METHOD_FAKE",
    "METHOD_LOWER_BOUND", "METHOD_META", "MemoryEstimate", "MemoryPlan", "default_budget_bytes",
    "estimate_memory", "estimate_peak_bytes", "format_bytes", "parse_bytes", "plan_memory",
    "rescue_ladder", "total_ram_bytes", "unplanned",
]
