"""Byte sizes as users write them ("10GiB", "512MiB", "2.5GB", "1e9") and the default memory budget."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Optional

from ..errors import ConfigError

# Binary (KiB, MiB, ...) and decimal (KB, MB, ...) units; a bare number is bytes.
_UNITS = {
    "": 1, "b": 1,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40,  # shorthand, as `free -h` prints them
}
_PATTERN = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+]?[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_FORMS = "a size such as '10GiB', '512MiB', '2.5GB', '1e9' or a number of bytes"

# Share of physical RAM a CPU run may plan for: the rest is left to the OS, the data pipeline and
# the allocator's overhead (the process's RSS runs 7-13% above the tensor peak).
CPU_BUDGET_SHARE = 0.5

if TYPE_CHECKING:  # torch only where a device is asked about: study files validate without it
    import torch


def _parse(value: int | float | str) -> tuple[Optional[int], Optional[str]]:
    """(bytes, None), or (None, what is wrong)."""
    if isinstance(value, bool):
        return None, f"expected {_FORMS}, got {value!r}"
    try:
        if isinstance(value, (int, float)):
            size = int(value)
        else:
            match = _PATTERN.match(str(value))
            unit = match.group(2).lower() if match else None
            if match is None or unit not in _UNITS:
                return None, f"expected {_FORMS}, got {value!r}"
            size = int(float(match.group(1)) * _UNITS[unit])
    except (OverflowError, ValueError):  # inf, nan, '1e400'
        return None, f"expected a finite size ({_FORMS}), got {value!r}"
    if size <= 0:
        return None, f"expected a positive size, got {value!r}"
    return size, None


def size_problem(value: int | float | str) -> Optional[str]:
    """What is wrong with `value` as a size, or None (for validators that raise their own error)."""
    return _parse(value)[1]


def parse_bytes(value: int | float | str, field: str = "memory") -> int:
    """'10GiB' | '512MiB' | '2.5GB' | '1e9' | 1234 -> bytes (int). Raises ConfigError naming `field`."""
    size, problem = _parse(value)
    if problem is not None:
        raise ConfigError([f"{field}: {problem}"])
    return size


def format_bytes(n: int | float | None) -> str:
    """1536 -> '1.5 KiB'; None -> '-'."""
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def total_ram_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def default_budget_bytes(device: str | torch.device, ram_share: float = CPU_BUDGET_SHARE) -> int:
    """No `memory:` in the study. CUDA: the device's total memory. CPU: `ram_share` of physical RAM."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    return int(total_ram_bytes() * ram_share)
