"""bone_length (a loss term) and bone_error (a metric): how far the predicted bones' lengths are from the
truth, over the bones of valid joints. Each gets (outputs, batch, gt)."""

import torch

from mahm_search.hands import SKELETON

PARENTS = torch.tensor([p for p, _ in SKELETON])
CHILDREN = torch.tensor([c for _, c in SKELETON])


def _bone_errors(outputs, batch):
    """(B, 2, bones) |predicted - true| bone lengths in mm, and the mask of bones with both ends valid."""
    pred, true = outputs["stages"][-1]["joints_3d"], batch["joints_3d"]
    parents, children = PARENTS.to(pred.device), CHILDREN.to(pred.device)

    def lengths(j):
        return (j[:, :, children] - j[:, :, parents]).norm(dim=-1)

    valid = batch["joint_valid"] * batch["hand_valid"][:, :, None]
    mask = valid[:, :, children] * valid[:, :, parents]
    return (lengths(pred) - lengths(true)).abs() * mask, mask


def bone_length(outputs, batch, gt):
    """The batch's mean bone-length error, cm (a scalar, as the loss-term contract asks)."""
    err, mask = _bone_errors(outputs, batch)
    return err.sum() / mask.sum().clamp_min(1.0) * 0.1


def bone_error(outputs, batch, gt):
    """Per sample (B,): mean bone-length error over its valid bones, mm."""
    err, mask = _bone_errors(outputs, batch)
    return err.flatten(1).sum(1) / mask.flatten(1).sum(1).clamp_min(1.0)
