"""The memory check before a trial trains: budget, estimate, rescue or prune.

Calls search/memory.py's `plan_memory(config, budget_bytes, device) -> MemoryPlan`. Until that
module exists a stand-in lets every config through unchanged (estimate 0, rescue 'none').
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Optional

from ..config import TrialConfig


@dataclass
class StandInPlan:
    config: TrialConfig
    estimate_bytes: int = 0
    rescue: str = "none"
    fits: bool = True


def plan_trial_memory(config: TrialConfig, budget_bytes: Optional[int], device: Any):
    try:
        from .memory import plan_memory
    except ImportError:
        return StandInPlan(config=config)
    return plan_memory(config, budget_bytes, device)


def default_budget_bytes(device: Any, ram_share: float) -> int:
    """No `memory:` in the study: the whole CUDA device, or a share of this machine's RAM."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(ram * ram_share)
