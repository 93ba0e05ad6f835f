"""Peak memory of a training run.

CUDA: torch.cuda.max_memory_allocated after reset_peak_memory_stats (tensors only, no allocator cache).
CPU: the process's peak resident set size (VmHWM) minus its RSS when the run started. Writing '5' to
/proc/self/clear_refs resets VmHWM to the current RSS (Linux >= 4.0), so an earlier, bigger run in the
same process does not mask this one; where that is not possible, ru_maxrss is used (then the figure
is an upper bound). This includes allocator and thread overhead (~10% above the tensor peak).
"""

from __future__ import annotations

import resource
from pathlib import Path

import torch


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


class PeakMemory:
    def __init__(self, device: torch.device):
        self.device = device
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
            self.base = 0
            return
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        self.base = (_status_kb("VmRSS") or 0) * 1024

    def peak_bytes(self) -> int:
        if self.device.type == "cuda":
            return int(torch.cuda.max_memory_allocated(self.device))
        hwm = _status_kb("VmHWM")
        peak = hwm * 1024 if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return max(0, peak - self.base)
