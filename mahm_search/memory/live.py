"""Peak of the bytes held by live tensor storages while code runs: a one-mode, per-op tracker.

Every op's output storages are counted once (views and in-place results share a counted storage) and
uncounted when Python frees them (a weakref callback), so `current` is what an allocator would hold and
`peak` its maximum. This is what MemTracker's global peak measures, without its module hooks and
per-category bookkeeping, which made it several times slower than the ops themselves under fake tensors.
Scratch buffers a kernel allocates internally are added by scratch.py's rules.
"""

from __future__ import annotations

import math
import weakref

import torch
from torch.utils._pytree import tree_leaves
from torch.utils._python_dispatch import TorchDispatchMode

from .scratch import ScratchRules

_DEVICE_QUERY = torch.ops.prim.device.default  # a fake tensor's `.device`: most calls, no allocation
CUDA_MIN_BLOCK = 512  # the caching allocator rounds every CUDA block up to this (as MemTracker does)


class LiveBytes(TorchDispatchMode):
    def __init__(self, device: torch.device):
        super().__init__()
        self.current = 0
        self.peak = 0
        self._round = torch.device(device).type == "cuda"
        self._live: dict[int, tuple[weakref.ref, int]] = {}  # id(storage) -> (weakref, bytes counted)
        self._scratch = ScratchRules(device)

    def track(self, *tensors: torch.Tensor) -> None:
        """Count tensors that exist already (params, buffers, optimizer state)."""
        for t in tensors:
            self._count(t)
        self.peak = max(self.peak, self.current)

    def _bytes(self, storage) -> int:
        n = storage.nbytes()
        return math.ceil(n / CUDA_MIN_BLOCK) * CUDA_MIN_BLOCK if self._round else n

    def _count(self, t: torch.Tensor) -> None:
        st = t.untyped_storage()
        key = id(st)
        known = self._live.get(key)
        if known is not None:
            if known[0]() is st:
                n = self._bytes(st)
                if n != known[1]:  # resized in place (an out= op)
                    self.current += n - known[1]
                    self._live[key] = (known[0], n)
                return
            self._free(key)  # id reused before the callback ran: the old storage is gone
        n = self._bytes(st)
        self._live[key] = (weakref.ref(st, lambda _ref, key=key: self._free(key)), n)
        self.current += n

    def _free(self, key: int) -> None:
        known = self._live.pop(key, None)
        if known is not None:
            self.current -= known[1]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is _DEVICE_QUERY:
            return func(*args)
        before = self._scratch.before(func, args)
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor):
                self._count(t)
        scratch = max(before, self._scratch.after(func, out))
        self.peak = max(self.peak, self.current + scratch)
        return out
