"""train(config, reporter, run_dir) -> TrainResult: one run from a TrialConfig, resumable exactly.

Recipe: AdamW, warm-up + cosine/step LambdaLR, grad clipping, AMP on CUDA only, optional
channels_last, micro-batches, activation checkpointing. On CUDA the step is compiled and captured as
one CUDA graph (train.compile / train.cuda_graphs, fast_step.py); each evaluation's metrics carry
compile_s, the seconds spent compiling and capturing so far in this process. Evaluates every
eval_every steps and at the last step, reports to the Reporter, and checkpoints run_dir/checkpoint.pt
(at every eval, or every checkpoint_every steps). OOM errors propagate: search/ turns them into
prune_reason=oom. A step's loss is read on the host only after the next step is queued (except before
an evaluation, a checkpoint or the end), so on CUDA that read does not leave the device idle; a
non-finite loss still stops the run at the step that produced it. A stop request (train/preempt.py,
set by the search workers' signal handlers) checkpoints the step just done and raises Preempted.
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from ..config import TrialConfig
from .loss.balance import balanced_weights, calibrate
from .batches import loader_workers, train_batches, val_batches
from .blind.blind import blind_baseline
from .checkpoint import (BEST_NAME, CHECKPOINT_NAME, CheckpointError, load_checkpoint, load_weights, rng_states,
                         save_best, save_checkpoint, set_rng_states)
from .device import resolve_device, use_channels_last
from .evaluate import evaluate, sample_ids, sample_scores, with_objective
from .loss.losses import MAHMLoss
from ..metrics.metrics import MetricAccumulator
from .step.peak_memory import PeakMemory
from . import preempt
from .reporter import Reporter
from .result import TrainResult
from .resume import check_same_config, warn_schedule_change
from .step.fast_step import make_fast_step, optimizer_kind
from .schedule import make_scheduler, scheduled_lr
from .step.step import lr_to_device, make_grad_scaler, make_loss_forward, make_optimizer, to_device


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Pending:
    """A step's loss and terms, to be read on the host later (a step's outputs are its caller's own
    tensors: a captured step hands out copies of its static outputs, train/step/capture.py)."""

    def __init__(self, step: int, lr: float, out):
        self.step, self.lr, self.loss, self.terms = step, lr, out.loss, out.terms

    def nan_message(self, loss: float) -> str:
        bad = sorted(t for t, v in self.terms.items() if not math.isfinite(float(v)))
        return (f"non-finite training loss ({loss}) at step {self.step}, lr {self.lr:.3g}"
                + (f"; non-finite terms: {', '.join(bad)}" if bad else "; every term finite, weights too large?"))


DATA_WAIT_WARN = 0.2  # a share of the loop spent waiting for batches above this gets a hint to the user


class DataWait:
    """How long the training steps waited for their batches (loading, augmentation, the host-to-device
    copy) against how long they ran: a share near 0 means the loader keeps up."""

    def __init__(self) -> None:
        self.waited = self.stepped = 0.0

    def add(self, waited: float, stepped: float) -> None:
        self.waited, self.stepped = self.waited + waited, self.stepped + stepped

    def share(self) -> Optional[float]:
        total = self.waited + self.stepped
        return round(self.waited / total, 4) if total > 0 else None


def _is_due(step: int, every: int, last: int) -> bool:
    return step % every == 0 or step == last


def train(config: TrialConfig, reporter: Reporter | None = None, run_dir: Path | None = None) -> TrainResult:
    from ..data.build import build_datasets, check_real_mano
    from ..model.builder import build_model

    started = time.perf_counter()
    reporter = reporter or Reporter()
    spec = config.train
    device = resolve_device(spec)
    memory = PeakMemory(device)
    seed_everything(spec.seed)
    check_real_mano(config.data, config.mano)
    from .plugins.check import plugin_problems

    problems = plugin_problems(config)  # [] without plug-ins; else their contracts, one line each
    if problems:
        from ..errors import ConfigError

        raise ConfigError(problems)

    model = build_model(config.arch, config.mano).to(device)
    channels_last = use_channels_last(spec, device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.set_checkpointing(stages="stages" in spec.checkpointing, backbone="backbone" in spec.checkpointing)
    train_ds, val_ds = build_datasets(config.data, config.mano)
    blind = blind_baseline(config, train_ds, val_ds)  # the mean hand's scores on this val set; cached per data
    loss_fn = MAHMLoss(config.loss)
    optimizer = make_optimizer(model, spec, **optimizer_kind(spec, device))
    scheduler = make_scheduler(optimizer, spec)
    scaler = make_grad_scaler(device, spec)
    pin = device.type == "cuda"
    workers = loader_workers(config.data.num_workers, device, train_ds)
    for ds in (train_ds, val_ds) if workers else ():
        if hasattr(ds, "prepare"):
            ds.prepare()  # render missing shards once here, not in every worker
    loader = lambda start, end: (to_device(b, device, channels_last) for b in train_batches(  # noqa: E731
        train_ds, spec.batch_size, spec.seed, start, end, workers, pin))
    val_loader = val_batches(val_ds, spec.batch_size, workers, pin)  # one for all evaluations

    start_step, history, wall_before, window = 0, [], 0.0, [0.0, 0]
    ckpt_path = Path(run_dir) / CHECKPOINT_NAME if run_dir is not None else None
    resumed = ckpt_path is not None and ckpt_path.exists()
    if resumed:
        state = load_checkpoint(ckpt_path)  # CPU: RNG states must stay CPU tensors
        check_same_config(ckpt_path, state["config"], config.to_dict())
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        lr_to_device(optimizer, device)  # a tensor LR comes back on the CPU
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        loss_fn.set_weights(state["loss_weights"])
        start_step, history = state["step"], state["history"]
        warn_schedule_change(ckpt_path, state["config"], spec, start_step)
        wall_before, window = state["wall_time_s"], state["loss_window"]
        set_rng_states(state["rng"])
    else:
        init_weights(model, spec.init_from)
    if not resumed and config.loss.balance == "auto":
        model.train()
        forward = make_loss_forward(model, loss_fn, spec)
        magnitudes = calibrate(model, lambda b: forward(b)[1], loader(0, min(spec.steps, config.loss.balance_steps)))
        loss_fn.set_weights(balanced_weights(magnitudes, config.loss.weights.model_dump()))

    params_count = sum(p.numel() for p in model.parameters())
    reporter.start({"params_count": params_count, "device": str(device), "loss_weights": dict(loss_fn.weights),
                    "start_step": start_step, "history": list(history)})

    def result(status: str, message: str, steps_done: int) -> TrainResult:
        final = {k: v for k, v in history[-1].items() if k != "step"} if history else {}
        return TrainResult(status=status, message=message, history=list(history), steps_done=steps_done,
                           wall_time_s=wall_before + time.perf_counter() - started,
                           memory_peak_bytes=memory.peak_bytes(), params_count=params_count,
                           loss_weights=dict(loss_fn.weights), final_metrics=final,
                           val_scores=per_sample[0], val_ids=per_sample[1], val_pa_scores=per_sample[2],
                           blind=blind.for_record(spec.objective), data_wait_share=loop.share())

    best_path = ckpt_path.with_name(BEST_NAME) if ckpt_path is not None else None
    best_so_far = min((h["score"] for h in history if math.isfinite(h.get("score", math.nan))), default=math.inf)
    per_sample: tuple = ([], None, [])  # (val_scores, val_ids, val_pa_scores) of the last evaluation
    loop = DataWait()
    step_fn = make_fast_step(model, loss_fn, optimizer, spec, device, scheduler, scaler)
    model.train()
    step = start_step
    batches = iter(loader(start_step, spec.steps))
    pending = None  # a step whose loss is read only once the next step is queued (see Pending)
    while True:
        asked = time.perf_counter()
        batch = next(batches, None)
        got = time.perf_counter()
        if batch is None:
            break
        lr = scheduled_lr(scheduler, spec)  # no host read of a device LR tensor
        measured = memory.wants(step - start_step)
        if measured:
            out = memory.measure(step_fn, batch, model, optimizer)  # one step's tensor peak (CPU)
        else:
            out = step_fn(batch)
        step += 1
        # Steps that evaluate, checkpoint or end the run are read at once (their model is used next);
        # the others are read after the next step is queued, so the device never idles on this host read.
        evaluates = _is_due(step, spec.eval_every, spec.steps)
        stop_reason = preempt.requested() if step < spec.steps else None  # a preemption: checkpoint, stop
        checkpoints = ckpt_path is not None and (
            _is_due(step, spec.checkpoint_every or spec.eval_every, spec.steps) or stop_reason is not None)
        due = measured or evaluates or checkpoints or stop_reason is not None
        current = Pending(step, lr, out)
        for done in ((pending, current) if due else (pending,)):
            if done is None:
                continue
            loss = float(done.loss)  # waits for that step
            if not math.isfinite(loss):
                message = done.nan_message(loss)
                reporter.stop("nan", done.step, message)
                return result("nan", message, done.step)
            reporter.step_end(done.step, loss)
            window = [window[0] + loss, window[1] + 1]
        pending = None if due else current
        loop.add(got - asked, time.perf_counter() - got)
        if evaluates:
            # the last evaluation keeps each sample's error, for paired comparisons in the report
            acc = MetricAccumulator(keep_per_sample=step == spec.steps)
            metrics = evaluate(model, val_loader, device, spec, channels_last, accumulator=acc)
            if acc.keep_per_sample:
                per_sample = (sample_scores(acc, spec.objective), sample_ids(val_ds), sample_scores(acc, "pa_mpjpe"))
            metrics = with_objective(metrics, spec.objective)
            metrics.update(train_loss=window[0] / max(1, window[1]), lr=lr, compile_s=step_fn.compile_s)
            window = [0.0, 0]
            history.append({"step": step, **metrics})
            reporter.report(step, metrics)
            if best_path is not None and metrics["score"] < best_so_far:  # the objective, lower is better
                best_so_far = metrics["score"]
                save_best(best_path, config.to_dict(), step, model.state_dict(), metrics)
        if checkpoints:
            save_checkpoint(ckpt_path, {
                "config": config.to_dict(), "step": step, "model": model.state_dict(),
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict(), "loss_weights": dict(loss_fn.weights), "history": history,
                "loss_window": window, "rng": rng_states(),
                "wall_time_s": wall_before + time.perf_counter() - started})
        if stop_reason is not None:
            raise preempt.Preempted(stop_reason, step, checkpointed=ckpt_path is not None)
    return result("complete", f"trained {step} steps", step)


def init_weights(model: torch.nn.Module, path: Optional[Path]) -> None:
    """train.init_from: another run's weights, for the same architecture (fine-tuning)."""
    if path is None:
        return
    state = load_weights(Path(path))
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as err:
        detail = str(err).split("\n\t", 2)[1] if "\n\t" in str(err) else str(err)[:200]
        raise CheckpointError(f"{path}: train.init_from: written for another architecture than arch "
                              f"({detail.strip()})") from None
