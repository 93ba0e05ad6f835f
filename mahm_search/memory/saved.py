"""Fallback estimate when the fake run fails: a lower bound from the tensors autograd saves.

One real forward + loss of ONE micro-batch runs on the CPU (fp32) under saved_tensors_hooks; the saved
tensors' bytes, deduplicated by storage, are what the backward must keep alive. Added to them: the
batch, params, grads, AdamW's two moments and its one params-sized foreach temporary. Transient
buffers (an op's output before autograd frees its input, backward temporaries) are not counted, so
the real peak is higher: this is a lower bound, and plan_memory says which method produced a figure.
"""

from __future__ import annotations

import torch

from ..config import TrialConfig


def _storage_bytes(t: torch.Tensor) -> tuple[int, int]:
    st = t.untyped_storage()
    return st.data_ptr(), st.nbytes()


def saved_tensor_lower_bound(config: TrialConfig, device: torch.device) -> int:
    from ..data.dummy import dummy_batch
    from ..model.builder import build_model
    from ..train.loss.losses import MAHMLoss
    from ..train.step.step import FUSED_ADAMW_DEVICES, make_loss_forward

    spec = config.train
    micro = max(1, spec.batch_size // spec.micro_batches)
    model = build_model(config.arch, config.mano)
    model.set_checkpointing(stages="stages" in spec.checkpointing, backbone="backbone" in spec.checkpointing)
    model.train()
    loss_fn = MAHMLoss(config.loss)
    batch = dummy_batch(micro, config.arch.input_size)
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor):
        ptr, n = _storage_bytes(t)
        if ptr:
            saved[ptr] = n
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        make_loss_forward(model, loss_fn, spec)(batch, loss_fn.denominators(batch))
    param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    batch_bytes = sum(v.numel() * v.element_size() for v in dummy_batch(spec.batch_size, config.arch.input_size).values())
    # exp_avg and exp_avg_sq; the foreach AdamW used off CPU/CUDA adds one params-sized temporary,
    # the fused one on CPU/CUDA none (train/step/step.py make_optimizer)
    optimizer_copies = 2 if torch.device(device).type in FUSED_ADAMW_DEVICES else 3
    return int(sum(saved.values()) + batch_bytes + param_bytes * (2 + optimizer_copies))
