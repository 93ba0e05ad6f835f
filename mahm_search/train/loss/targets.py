"""Ground truth the batch does not carry directly: MANO vertices from the GT pose and shape."""

from __future__ import annotations

import contextlib

import torch

from ...hands.joints import ROOT


@torch.no_grad()
def ground_truth(mano: torch.nn.Module, batch: dict) -> dict:
    """{'vertices': (B,2,778,3) mm, root-relative (own MANO wrist at the origin)}.

    Runs the model's own TwoHandMANO on batch mano_pose/shape in float32, outside autocast and without
    grad. Hands whose mano_valid is 0 get meaningless vertices; the loss and metrics mask them.
    """
    device_type = batch["mano_pose"].device.type  # 'meta' in the memory estimate: autocast has none
    with torch.autocast(device_type, enabled=False) if device_type != "meta" else contextlib.nullcontext():
        out = mano(batch["mano_pose"].float(), batch["mano_shape"].float())
    vertices = out["vertices"] - out["joints"][:, :, ROOT : ROOT + 1]
    return {"vertices": vertices}
