"""The trainer's step, compiled and/or captured as one CUDA graph (train.compile, train.cuda_graphs).

On a GPU the eager step is bound by kernel launches (~11k small ops per MAHM step), not by
maths. torch.compile(fullgraph=True) fuses the forward + ground-truth MANO + loss, and the clipping +
AdamW; a CUDA graph then replays the whole step (forward, backward, clip, AdamW) as one launch.
What makes that possible: no op reads a tensor's value on the host (tests/test_compile_step.py checks
with torch._dynamo.explain), training batches all have one shape (train/batches.py never yields a
partial batch), the LR is a device tensor the scheduler fills in place, and AdamW is capturable.

A config that fails to compile or capture trains eagerly after ONE warning saying why; it never fails
the trial. Out-of-memory errors are not caught: they mean the trial does not fit (search/ prunes it).

Compiled kernels are cached on disk by torch (inductor's FX graph and AOTAutograd caches, on by
default): in the user cache folder unless TORCHINDUCTOR_CACHE_DIR says otherwise, so repeats, other
workers and resumed trials of the same config skip most of the compile. A capture is per process.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Callable

import torch

from ...files import cache_root
from .capture import CapturedStep
from ..loss.losses import MAHMLoss
from ..spec import TrainSpec
from .step import StepOutput, make_loss_forward, make_training_step, make_update


BACKEND = "inductor"  # torch.compile's backend (tests swap in a cheaper one)


def _inductor_cache() -> Path:
    return cache_root() / "inductor"


def _auto(option: str, device: torch.device) -> bool:
    return device.type == "cuda" if option == "auto" else option == "on"


def _scales_loss(spec: TrainSpec, device: torch.device) -> bool:
    """fp16 on CUDA: the GradScaler reads its inf check on the host, so that step stays eager."""
    return device.type == "cuda" and spec.amp == "fp16"


def use_compile(spec: TrainSpec, device: torch.device) -> bool:
    return _auto(spec.compile, device) and not _scales_loss(spec, device)


def use_cuda_graphs(spec: TrainSpec, device: torch.device) -> bool:
    return device.type == "cuda" and _auto(spec.cuda_graphs, device) and not _scales_loss(spec, device)


def optimizer_kind(spec: TrainSpec, device: torch.device) -> dict:
    """make_optimizer's keyword arguments for the step this spec runs on `device`."""
    return {"compiled": use_compile(spec, device),
            "captured": use_cuda_graphs(spec, device)}


def _causes(err: BaseException) -> list[BaseException]:
    """err, then what it wraps (torch.compile wraps a backend's error in BackendCompilerFailed)."""
    chain = [err]
    while len(chain) < 10:
        inner = getattr(chain[-1], "inner_exception", None) or chain[-1].__cause__
        if inner is None or inner in chain:
            break
        chain.append(inner)
    return chain


def _out_of_memory(err: BaseException) -> BaseException | None:
    """The out-of-memory error err is or wraps (the innermost one that says so), else None."""
    causes = _causes(err)
    typed = [e for e in causes if isinstance(e, torch.OutOfMemoryError)]
    said = [e for e in causes if "out of memory" in str(e).lower()]
    return (typed or said or [None])[-1]


def _why(err: BaseException) -> str:
    """One line: each wrapped error's type and first line, outermost first."""
    parts = []
    for e in _causes(err):
        first = next((line for line in str(e).splitlines() if line.strip()), "")
        parts.append(f"{type(e).__name__}: {first.strip()}")
    return " <- ".join(parts)[:400]


class FastStep:
    """step(batch) -> StepOutput, like make_training_step's, plus `mode` (what actually runs:
    'eager', 'compiled', 'captured', 'compiled+captured'), `compile_s` (seconds spent compiling and
    capturing, counted in the first calls) and `fallback` (why it fell back to eager, or None)."""

    def __init__(self, model: torch.nn.Module, loss_fn: MAHMLoss, optimizer: torch.optim.Optimizer,
                 spec: TrainSpec, device: torch.device, scheduler=None, scaler=None,
                 backend=None):
        self.scheduler = scheduler
        self.eager = make_training_step(model, loss_fn, optimizer, spec, scaler=scaler)
        self.compile_s, self.fallback = 0.0, None
        compiled = use_compile(spec, device)
        backend = backend or BACKEND
        step = self.eager
        if compiled:
            if backend == "inductor":
                os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(_inductor_cache()))
            forward = torch.compile(make_loss_forward(model, loss_fn, spec), fullgraph=True, dynamic=False,
                                    backend=backend)
            update = torch.compile(make_update(model, optimizer, spec), fullgraph=True, dynamic=False,
                                   backend=backend)
            step = make_training_step(model, loss_fn, optimizer, spec, forward=forward, update=update)
            optimizer._opt_called = True  # the unwrapped step does not tell LambdaLR it ran (no warning)
        self.captured = CapturedStep(step, model, optimizer) if use_cuda_graphs(spec, device) else None
        self.fast = self.captured or (step if compiled else None)
        self.mode = "+".join(m for m, on in (("compiled", compiled), ("captured", self.captured)) if on) or "eager"
        self._first_calls = 0

    def __call__(self, batch: dict) -> StepOutput:
        out = self._fast(batch) if self.fast is not None else self.eager(batch)
        if self.scheduler is not None:
            self.scheduler.step()  # outside any graph: fills the LR tensor in place
        return out

    def _fast(self, batch: dict) -> StepOutput:
        # The first calls compile (and, captured, warm up then capture): they are timed and guarded.
        if self._first_calls >= self._slow_calls():
            return self.fast(batch)
        self._first_calls += 1
        started = time.perf_counter()
        try:
            out = self.fast(batch)
            if batch["image"].is_cuda:
                torch.cuda.synchronize()
            return out
        except Exception as err:  # noqa: BLE001 - any compile/capture failure: eager, one warning
            oom = _out_of_memory(err)
            if oom is err:
                raise
            if oom is not None:  # the trial does not fit: search/ prunes it as out of memory
                raise oom from err
            self.fallback = _why(err)
            warnings.warn(f"train.compile/cuda_graphs: the {self.mode} step failed ({self.fallback}); "
                          "this trial trains with the eager step", RuntimeWarning, stacklevel=3)
            self.fast, self.mode = None, "eager"
            # Compiling and capturing update no weight (BN running stats may see this batch twice).
            return self.eager(batch)
        finally:
            self.compile_s += time.perf_counter() - started

    def _slow_calls(self) -> int:
        # compiled: the first call compiles; captured: warm-up calls, then the capture
        return self.captured.calls_until_captured if self.captured is not None else 1


def make_fast_step(model: torch.nn.Module, loss_fn: MAHMLoss, optimizer: torch.optim.Optimizer,
                   spec: TrainSpec, device: torch.device, scheduler=None, scaler=None
                   ) -> Callable[[dict], StepOutput]:
    return FastStep(model, loss_fn, optimizer, spec, device, scheduler, scaler)
