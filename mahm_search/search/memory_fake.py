"""Peak training memory of a config from a fake run: no real memory, no real compute.

The model is built on `meta`, given fake storage on the target device inside FakeTensorMode, and
the trainer's own step (train/step.py: make_training_step) runs once under MemTracker, with AdamW's
state created beforehand, i.e. the steady-state step a long run repeats (stack.md's recipe runs a
warm-up step first; pre-creating the state gives the same peak at half the cost). MemTracker's peak covers
params, grads, optimizer state, activations (forward and backward, loss and MANO included) and the
optimizer's temporaries; KernelScratch adds the CPU kernels' hidden scratch buffers.
"""

from __future__ import annotations

import torch
from torch import nn
from torch._subclasses.fake_tensor import FakeTensorMode
from torch.distributed._tools.mem_tracker import MemTracker

from ..config import TrialConfig
from .memory_scratch import KernelScratch


class StepTracker(MemTracker):
    """MemTracker that accepts several top-level calls of one module in a step: micro-batches call the
    network once each, and the loss's ground truth calls model.mano outside the network. Stock
    MemTracker refuses that (it reads a second top-level call as a new iteration); we only need its
    global peak, so the module's per-module stats simply start afresh."""

    def _pre_fw_hook(self, module: nn.Module, inputs) -> None:
        name = self._mod_tracker.get_known_fqn(module)
        top_level = set(self._mod_tracker.parents) - {name} == {"Global"}
        if module in self.memory_tracking and top_level and not self._mod_tracker.is_bw:
            del self.memory_tracking[module]
        super()._pre_fw_hook(module, inputs)

    def _update_peak_stats(self, peak_state) -> None:
        # Global peak only. The stock method also updates every module's local peak on every op,
        # which cost half of the whole estimate's time; nothing here reads per-module peaks.
        for dev, snap in self._curr_mem_snap.items():
            if self._peak_mem.get(dev, 0) < snap["Total"]:
                self._peak_mem[dev] = snap["Total"]
                self._peak_mem_snap[dev] = dict(snap)


def init_adamw_state(optimizer: torch.optim.Optimizer) -> None:
    """AdamW's state as its first step would create it (step counter, exp_avg, exp_avg_sq), so that one
    traced step is already the steady state: half the ops of tracing a warm-up step first."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            optimizer.state[p] = {"step": torch.tensor(0.0), "exp_avg": torch.zeros_like(p),
                                  "exp_avg_sq": torch.zeros_like(p)}


def build_on_meta(config: TrialConfig) -> nn.Module:
    """The model with no storage (to_empty gives it fake storage later). If some part of the build needs
    real values (e.g. reads a buffer with .tolist()), build it on the CPU instead: slower, same result."""
    from ..model.builder import build_model

    try:
        with torch.device("meta"):
            return build_model(config.arch, config.mano)
    except (NotImplementedError, RuntimeError):
        return build_model(config.arch, config.mano)


def fake_peak_bytes(config: TrialConfig, device: torch.device) -> int:
    """Tensor bytes at the peak of a training step of `config` on `device` (fake 'cuda' needs a CUDA build)."""
    from ..data.dummy import dummy_batch
    from ..train.device import use_channels_last
    from ..train.losses import MAHMLoss
    from ..train.step import make_grad_scaler, make_training_step

    spec = config.train
    model = build_on_meta(config)
    with FakeTensorMode(allow_non_fake_inputs=True):
        model.to_empty(device=device)
        channels_last = use_channels_last(spec, device)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        model.set_checkpointing(stages="stages" in spec.checkpointing, backbone="backbone" in spec.checkpointing)
        model.train()
        # The trainer's optimizer, with its defaults: foreach (and its temporaries) on CUDA, a loop on CPU.
        optimizer = torch.optim.AdamW(model.parameters(), lr=spec.lr, weight_decay=spec.weight_decay)
        step = make_training_step(model, MAHMLoss(config.loss), optimizer, spec,
                                  scaler=make_grad_scaler(device, spec))
        init_adamw_state(optimizer)
        tracker = StepTracker()
        tracker.track_external(model, optimizer)
        with tracker, KernelScratch(device):
            batch = dummy_batch(spec.batch_size, config.arch.input_size, device=device)
            if channels_last:
                batch["image"] = batch["image"].contiguous(memory_format=torch.channels_last)
            step(batch)
        peak = tracker.get_tracker_snapshot("peak")
    return int(sum(snap["Total"] for snap in peak.values()))
