"""Peak training memory of a config from a traced step: no real memory, no real compute.

The trainer's own step (train/step/step.py: make_optimizer, make_training_step) runs once on tensors
without data, under LiveBytes (live.py), with AdamW's state created beforehand, i.e. the
steady-state step a long run repeats (a common recipe runs a warm-up step first; pre-creating the
state gives the same peak at half the cost). The peak covers params, grads, optimizer state,
activations (forward and backward, loss and MANO included), the optimizer's temporaries (none when fused) and
the CPU kernels' hidden scratch buffers.

Two kinds of data-less tensors:
- 'meta': plain meta tensors. Fastest (FakeTensorMode costs ~2x more Python per op, and autograd asks
  every fake tensor for its device through the dispatcher), and the same kernels' output shapes as the
  CPU; used for CPU estimates (benchmarks/bench_memory.py checks them against measured peaks).
- 'fake': FakeTensorMode tensors that claim to live on `device`, so device-specific choices (cuDNN
  batch norm's saved buffers, ...) are the real ones; used for CUDA, and if a meta run fails.
"""

from __future__ import annotations

import torch
from torch import nn
from torch._subclasses.fake_tensor import FakeTensorMode

from ..config import TrialConfig
from .live import LiveBytes

META, FAKE = "meta", "fake"


def build_on_meta(config: TrialConfig) -> nn.Module:
    """The model, to be given data-less storage with `to_empty`. Built on the CPU: the MANO layer reads
    its model files' values while building (a meta build always failed there and cost a second build);
    building even the largest search-space network takes ~0.3 s."""
    from ..model.builder import build_model

    return build_model(config.arch, config.mano)


def traced_peak_bytes(config: TrialConfig, device: torch.device, tensors: str = META) -> int:
    """Tensor bytes at the peak of a training step of `config` on `device`, traced on `tensors`
    (META or FAKE; fake 'cuda' needs a CUDA build of torch)."""
    from ..train.device import use_channels_last

    model = build_on_meta(config)
    if use_channels_last(config.train, device):
        # Before to_empty (empty_like keeps the strides): converting fake params afterwards makes
        # nn.Module._apply swap tensors, which fails ("Couldn't swap Conv2d.weight"; seen on CUDA).
        model = model.to(memory_format=torch.channels_last)
    if tensors == META:
        model.to_empty(device="meta")
        return _step_peak(config, model, device, torch.device("meta"))
    with FakeTensorMode(allow_non_fake_inputs=True):
        model.to_empty(device=device)
        return _step_peak(config, model, device, device)


def _step_peak(config: TrialConfig, model: nn.Module, device: torch.device, storage: torch.device) -> int:
    from ..data.dummy import dummy_batch
    from ..train.device import use_channels_last
    from ..train.loss.losses import MAHMLoss
    from ..train.step.step import init_adamw_state, make_grad_scaler, make_optimizer, make_training_step

    spec = config.train
    channels_last = use_channels_last(spec, device)  # the model is converted already (traced_peak_bytes)
    model.set_checkpointing(stages="stages" in spec.checkpointing, backbone="backbone" in spec.checkpointing)
    model.train()
    optimizer = make_optimizer(model, spec, device=device)  # fused where the trial runs fused
    step = make_training_step(model, MAHMLoss(config.loss), optimizer, spec, scaler=make_grad_scaler(device, spec))
    init_adamw_state(optimizer)
    live = LiveBytes(device)
    live.track(*model.parameters(), *model.buffers(),
               *(v for state in optimizer.state.values() for v in state.values() if torch.is_tensor(v)))
    with live:
        batch = dummy_batch(spec.batch_size, config.arch.input_size, device=storage)
        if channels_last:
            batch["image"] = batch["image"].contiguous(memory_format=torch.channels_last)
        step(batch)
    return live.peak
