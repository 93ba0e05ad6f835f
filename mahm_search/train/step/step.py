"""One optimizer step, as a function: the trainer runs it, and memory/estimate.py runs the SAME step
under FakeTensorMode to estimate memory (so nothing in it may read a tensor's value, e.g. `.item()`).
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from typing import Callable

import torch

from ...data.sample import normalize_images
from ..loss.losses import MAHMLoss
from ..spec import TrainSpec
from ..loss.targets import ground_truth


@dataclass
class StepOutput:
    """The caller's own tensors: valid after later steps (the trainer reads them one step late)."""

    loss: torch.Tensor  # detached total loss of the whole batch (sum over micro-batches)
    terms: dict[str, torch.Tensor]  # detached unweighted terms of the whole batch


def autocast_for(device: torch.device, spec: TrainSpec):
    """bf16/fp16 autocast on CUDA only; CPU runs in fp32 (CPU autocast is slower for these convs)."""
    if device.type == "cuda" and spec.amp != "none":
        dtype = torch.bfloat16 if spec.amp == "bf16" else torch.float16
        return torch.autocast(device_type="cuda", dtype=dtype)
    return contextlib.nullcontext()


def make_grad_scaler(device: torch.device, spec: TrainSpec) -> torch.amp.GradScaler:
    """Loss scaling is needed for fp16 only; a disabled scaler is a pass-through."""
    return torch.amp.GradScaler(device.type, enabled=device.type == "cuda" and spec.amp == "fp16")


def split_batch(batch: dict, n: int) -> list[dict]:
    if n <= 1:
        return [batch]
    keys = list(batch)
    parts = [torch.tensor_split(batch[k], n) for k in keys]
    return [{k: p[i] for k, p in zip(keys, parts)} for i in range(n) if parts[0][i].shape[0] > 0]


def to_device(batch: dict, device: torch.device, channels_last: bool = False) -> dict:
    """The batch on the device, its image normalised float32 (B, 3, H, W): a loader's compact uint8
    (B, H, W, 3) image (data/sample.py) is copied as bytes and normalised there."""
    out = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
    if out["image"].dtype == torch.uint8:
        out["image"] = normalize_images(out["image"], channels_last)
    elif channels_last:
        out["image"] = out["image"].contiguous(memory_format=torch.channels_last)
    return out


FUSED_ADAMW_DEVICES = ("cpu", "cuda")


def make_optimizer(model: torch.nn.Module, spec: TrainSpec, device: torch.device | None = None,
                   compiled: bool = False, captured: bool = False) -> torch.optim.AdamW:
    """AdamW, fused on CPU and CUDA: one kernel walks every parameter once, with no temporaries, where
    the foreach version makes six passes over memory (benchmarks/README.md measures both). Elsewhere
    (meta tensors, other devices) foreach.

    `device`: where the model will train, when its parameters are not there yet (the memory
    estimate traces the step on meta tensors, memory/trace.py, and must run what the trial
    will run).

    `compiled` / `captured` (fast_step.py): the LR lives in a device tensor that the scheduler fills in
    place, so a new LR neither recompiles nor re-captures, and on CUDA AdamW is capturable. Compiled,
    AdamW is the foreach one (CUDA) or the per-parameter one (CPU), which inductor fuses: torch does
    not trace into the fused kernel, and the CPU's foreach one needs a capturable device for a tensor
    LR, which an eager fallback on the CPU would not have."""
    device = torch.device(device) if device is not None else next(model.parameters()).device
    kind = {"fused": True} if device.type in FUSED_ADAMW_DEVICES else {"foreach": True}
    lr = spec.lr
    if compiled or captured:
        lr = torch.tensor(spec.lr, dtype=torch.float32, device=device)
        cuda = device.type == "cuda"
        kind = {"foreach": cuda} if compiled else dict(kind)
        kind["capturable"] = cuda
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=spec.weight_decay, **kind)


def make_loss_forward(model: torch.nn.Module, loss_fn: MAHMLoss, spec: TrainSpec) -> Callable:
    """forward(batch, denominators=None) -> (total, terms): network + ground truth + loss."""

    def forward(batch: dict, denominators: dict | None = None):
        with autocast_for(batch["image"].device, spec):
            outputs = model(batch["image"])
        gt = ground_truth(model.mano, batch)
        return loss_fn(outputs, batch, gt, denominators)

    return forward


def lr_to_device(optimizer: torch.optim.Optimizer, device: torch.device) -> None:
    """Optimizer.load_state_dict puts a tensor LR where the checkpoint was loaded (the CPU); a
    captured CUDA step reads it on the device."""
    for group in optimizer.param_groups:
        for key in ("lr", "initial_lr"):
            if torch.is_tensor(group.get(key)):
                group[key] = group[key].to(device)


def make_update(model: torch.nn.Module, optimizer: torch.optim.Optimizer, spec: TrainSpec) -> Callable[[], None]:
    """-> update(): clip the gradients, then the optimizer step, with no host read (clip_grad_norm_
    checks no finiteness by default), so it compiles as one graph. Without loss scaling only: the
    GradScaler reads its inf check on the host.

    It calls the optimizer's own step function under no_grad, unwrapped: torch's wrapper adds a
    deliberate graph break (torch/optim/optimizer.py `_use_grad`) and runs step hooks (none are used)."""
    params = list(model.parameters())
    raw_step = inspect.unwrap(type(optimizer).step)

    def update() -> None:
        with torch.no_grad():
            if spec.grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(params, spec.grad_clip)
            raw_step(optimizer)

    return update


def make_training_step(model: torch.nn.Module, loss_fn: MAHMLoss, optimizer: torch.optim.Optimizer,
                       spec: TrainSpec, scheduler=None, scaler: torch.amp.GradScaler | None = None,
                       forward: Callable | None = None, update: Callable[[], None] | None = None
                       ) -> Callable[[dict], StepOutput]:
    """-> step(batch): zero grads, forward+backward over spec.micro_batches micro-batches (each loss
    normalised by the FULL batch's valid counts, so gradients equal the one-big-batch gradients),
    unscale, clip, optimizer step, scheduler step. `batch` must already be on the model's device.

    `forward` / `update`: compiled stand-ins for make_loss_forward / make_update (fast_step.py);
    `update` replaces unscale + clip + optimizer step, so it needs a disabled scaler.
    """
    forward = forward or make_loss_forward(model, loss_fn, spec)
    scaler = scaler if scaler is not None else torch.amp.GradScaler("cpu", enabled=False)
    if update is not None and scaler.is_enabled():
        raise ValueError("a compiled update cannot scale the loss (fp16): the GradScaler syncs the host")

    def step(batch: dict) -> StepOutput:
        optimizer.zero_grad(set_to_none=True)
        den = loss_fn.denominators(batch)
        total, terms = None, {}
        for micro in split_batch(batch, spec.micro_batches):
            loss, micro_terms = forward(micro, den)
            scaler.scale(loss).backward()
            total = loss.detach() if total is None else total + loss.detach()
            for t, v in micro_terms.items():
                terms[t] = terms[t] + v if t in terms else v
        if update is not None:
            update()
        else:
            if spec.grad_clip is not None:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), spec.grad_clip)
            scaler.step(optimizer)
            scaler.update()
        if scheduler is not None:
            scheduler.step()
        return StepOutput(loss=total, terms=terms)

    return step


def init_adamw_state(optimizer: torch.optim.Optimizer) -> None:
    """AdamW's state as its first step would create it (step counter, exp_avg, exp_avg_sq), so that one
    traced step is already the steady state: half the ops of tracing a warm-up step first."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            # fused AdamW keeps its step counter on the parameters' device, foreach on the CPU
            step = torch.zeros((), device=p.device) if group["fused"] else torch.tensor(0.0)
            optimizer.state[p] = {"step": step, "exp_avg": torch.zeros_like(p),
                                  "exp_avg_sq": torch.zeros_like(p)}
