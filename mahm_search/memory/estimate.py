"""Predict a config's peak training memory without running it on its device.

Method: the trainer's own step runs once on data-less tensors while the live storage bytes are
tracked (trace.py, live.py): meta tensors for CPU, fake CUDA tensors for CUDA, fake tensors again if a
meta run fails; if that fails too, a saved-tensor lower bound is used instead (saved.py). Every
figure says which method made it.
"""

from __future__ import annotations

import functools
import json
import time
import warnings
from dataclasses import dataclass

import torch

from ..config import TrialConfig
from ..errors import MahmError

# CUDA adds what a fake run cannot see (the measurements behind each constant: benchmarks/README.md,
# "CUDA (H100)"):
# - cuBLAS/cuBLASLt workspaces, which torch's caching allocator hands out on the first GEMMs: a
#   constant gap between the fake-tensor peak and torch.cuda.max_memory_allocated with fused AdamW.
# - the CUDA context (driver, cuBLAS/cuDNN handles and kernels, loaded lazily) outside torch's
#   allocator, which grows after the first steps. The budget is the card's total memory, so it counts.
# - the caching allocator's rounding and fragmentation (reserved over allocated), larger on small
#   configs; the larger share keeps small trials safe.
CUDA_WORKSPACE_BYTES = 65 * 2**20
# A captured step (train.cuda_graphs, train/step/fast_step.py) keeps a static copy of the batch, static
# outputs and the graph's private memory pool, which the eager cache cannot share; torch.compile may
# add workspaces. An allowance, not a measurement: benchmarks/bench_memory_captured.py measures it on a
# GPU (benchmarks/gpu_check.sh).
CUDA_GRAPH_ALLOWANCE_BYTES = 64 * 2**20
CUDA_CONTEXT_BYTES = 800 * 2**20
CUDA_ALLOCATOR_OVERHEAD = 0.18

METHOD_META = "meta-run"  # the step traced on meta tensors: its exact tensor peak
METHOD_FAKE = "fake-run"  # the step traced on FakeTensorMode tensors of the device: the same, slower
METHOD_LOWER_BOUND = "saved-tensor lower bound"


@dataclass
class MemoryEstimate:
    bytes: int  # what to compare with a budget (on CUDA: tensors + allocator overhead + context)
    tensor_bytes: int  # the tensor peak alone (compare with torch.cuda.max_memory_allocated)
    method: str
    seconds: float
    cached: bool = False  # read from the on-disk cache (cache.py), not traced now


def _traced_methods(device: torch.device) -> list[tuple[str, str, torch.device]]:
    """(method, tensors, device to trace for), best first. CUDA is traced on fake CUDA tensors so
    cuDNN's choices are the real ones; a fake 'cuda' tensor aborts the process in autograd on a
    CPU-only torch build, so there CUDA is traced like the CPU (the CUDA allowance is still added)."""
    from .trace import FAKE, META

    if device.type == "cuda" and torch.cuda.is_available():
        return [(METHOD_FAKE, FAKE, torch.device("cuda"))]
    traced = torch.device("cpu") if device.type == "cuda" else torch.device(device.type)
    return [(METHOD_META, META, traced), (METHOD_FAKE, FAKE, traced)]


def estimate_memory(config: TrialConfig, device: str | torch.device) -> MemoryEstimate:
    """Peak training memory of `config` (its batch, micro-batches and checkpointing) on `device`.
    Memoised per (config, device) in the process, and on disk across processes (cache.py):
    repeats, rescue ladders, resumed studies and searches over lr or loss weights ask again."""
    device = torch.device(device)
    return _estimate_cached(json.dumps(config.to_dict(), sort_keys=True), str(device))


@functools.lru_cache(maxsize=256)
def _estimate_cached(config_json: str, device_name: str) -> MemoryEstimate:
    from . import cache as memory_cache

    started = time.perf_counter()
    tree = json.loads(config_json)
    key = memory_cache.memory_key(tree, device_name) if memory_cache.enabled() else None
    record = memory_cache.load(key) if key else None
    if record is not None:
        return MemoryEstimate(bytes=record["bytes"], tensor_bytes=record["tensor_bytes"], method=record["method"],
                              seconds=time.perf_counter() - started, cached=True)
    estimate = _estimate(TrialConfig.model_validate(tree), torch.device(device_name))
    if key and estimate.method != METHOD_LOWER_BOUND:  # a fallback is retried next time, not kept
        memory_cache.store(key, {"bytes": estimate.bytes, "tensor_bytes": estimate.tensor_bytes,
                                 "method": estimate.method})
    return estimate


def _estimate(config: TrialConfig, device: torch.device) -> MemoryEstimate:
    from .trace import traced_peak_bytes
    from .saved import saved_tensor_lower_bound

    started = time.perf_counter()
    tensor_bytes = method = None
    for name, tensors, traced in _traced_methods(device):
        try:
            tensor_bytes, method = traced_peak_bytes(config, traced, tensors), name
            break
        except MahmError:
            raise  # a bad config or a missing MANO folder: the user must fix it, no estimate can help
        except Exception as err:  # noqa: BLE001 - an op this tracing cannot do: try the next, say so
            warnings.warn(f"{name} memory estimate failed ({type(err).__name__}: {err}); trying the next "
                          f"method", RuntimeWarning, stacklevel=2)
    if tensor_bytes is None:
        tensor_bytes, method = saved_tensor_lower_bound(config, device), METHOD_LOWER_BOUND
    total = tensor_bytes
    if device.type == "cuda":
        tensor_bytes += CUDA_WORKSPACE_BYTES  # allocated through torch's allocator, like the tensors
        if captured_step(config, device):
            tensor_bytes += CUDA_GRAPH_ALLOWANCE_BYTES
        total = int(tensor_bytes * (1 + CUDA_ALLOCATOR_OVERHEAD)) + CUDA_CONTEXT_BYTES
    return MemoryEstimate(bytes=total, tensor_bytes=tensor_bytes, method=method,
                          seconds=time.perf_counter() - started)


def captured_step(config: TrialConfig, device: torch.device) -> bool:
    """Whether the trial on `device` will run its step as a CUDA graph (train/step/fast_step.py)."""
    from ..train.step.fast_step import use_cuda_graphs

    return use_cuda_graphs(config.train, device)


def estimate_peak_bytes(config: TrialConfig, device: str | torch.device) -> int:
    return estimate_memory(config, device).bytes
