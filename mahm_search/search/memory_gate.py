"""The memory check before a trial trains: budget, estimate, rescue or prune.

`plan_trial_memory` is the one seam between a trial and search/memory.py, so that tests and the Ray
benchmark can swap in a cheap planner; the budget default comes from memory_units.
"""

from __future__ import annotations

from typing import Any, Optional

from ..config import TrialConfig
from .memory import MemoryPlan, plan_memory
from .memory_units import default_budget_bytes  # noqa: F401 (used by trial.py)


def plan_trial_memory(config: TrialConfig, budget_bytes: Optional[int], device: Any) -> MemoryPlan:
    return plan_memory(config, budget_bytes, device)


def unplanned(config: TrialConfig, estimate_bytes: int = 0, fits: bool = True) -> MemoryPlan:
    """A plan made without estimating (tests, benchmarks): the config as it is."""
    return MemoryPlan(config=config, estimate_bytes=estimate_bytes, original_estimate_bytes=estimate_bytes,
                      rescue="none", fits=fits, method="none")
