"""A random batch with the exact keys, shapes and dtypes of a collated batch (memory estimates, benchmarks)."""

from __future__ import annotations

from typing import Dict

import torch

from ..hands.joints import NUM_JOINTS, ROOT


def dummy_batch(batch_size: int, image_size: int, device="cpu", seed: int = 0) -> Dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    b, j = batch_size, NUM_JOINTS
    f = image_size * 1.5
    K = torch.tensor([[f, 0.0, image_size / 2], [0.0, f, image_size / 2], [0.0, 0.0, 1.0]])
    joints_3d = torch.randn(b, 2, j, 3, generator=g) * 40 + torch.tensor([0.0, 0.0, 500.0])
    uvw = joints_3d @ K.T
    batch = {
        "image": torch.randn(b, 3, image_size, image_size, generator=g),
        "joints_3d": joints_3d,
        "joints_2d": uvw[..., :2] / uvw[..., 2:],
        "mano_pose": torch.randn(b, 2, 48, generator=g) * 0.2,
        "mano_shape": torch.randn(b, 2, 10, generator=g) * 0.5,
        "root_rel": joints_3d[:, 1, ROOT] - joints_3d[:, 0, ROOT],
        "hand_valid": torch.ones(b, 2),
        "joint_valid": torch.ones(b, 2, j),
        "mano_valid": torch.ones(b, 2),
        "K": K.expand(b, 3, 3).clone(),
        "hand_type": torch.ones(b, 2),
    }
    return {k: v.to(device=device, dtype=torch.float32) for k, v in batch.items()}
