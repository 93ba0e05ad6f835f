"""Metrics against values computed by hand on small cases."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from mahm_search.train.metrics import MetricAccumulator, compute_metrics, procrustes_align


def case(b=1):
    """GT joints: a random hand pair; pred = GT, root-relative per hand, as the model outputs it."""
    g = torch.Generator().manual_seed(0)
    gt = torch.randn(b, 2, 21, 3, generator=g) * 30 + torch.tensor([0.0, 0.0, 500.0])
    gt[:, 1] += torch.tensor([60.0, 0.0, 0.0])
    pred = {"joints_3d": gt - gt[:, :, 20:21], "root_rel": gt[:, 1, 20] - gt[:, 0, 20]}
    batch = {"joints_3d": gt.clone(), "joint_valid": torch.ones(b, 2, 21), "hand_valid": torch.ones(b, 2),
             "mano_valid": torch.ones(b, 2), "root_rel": gt[:, 1, 20] - gt[:, 0, 20]}
    return pred, batch


def test_perfect_prediction_is_zero():
    pred, batch = case(2)
    m = compute_metrics(pred, batch, protocols=("wrist", "mcp_scale"))
    for k in ("mpjpe", "pa_mpjpe", "mrrpe", "mpjpe_mcp_scale", "pa_mpjpe_mcp_scale"):
        assert m[k] == pytest.approx(0.0, abs=1e-3), k


def test_mpjpe_by_hand_with_masks():
    pred, batch = case()
    pred["joints_3d"][0, 0, 3] += torch.tensor([3.0, 4.0, 0.0])  # 5 mm on one right joint
    pred["joints_3d"][0, 1, 5] += torch.tensor([0.0, 0.0, 12.0])  # 12 mm on one left joint
    pred["joints_3d"][0, 1, 6] += torch.tensor([100.0, 0.0, 0.0])  # masked below
    batch["joint_valid"][0, 1, 6] = 0
    m = compute_metrics(pred, batch)
    assert m["mpjpe"] == pytest.approx((5 + 12) / 41, abs=1e-4)
    assert m["mpjpe_right"] == pytest.approx(5 / 21, abs=1e-4)
    assert m["mpjpe_left"] == pytest.approx(12 / 20, abs=1e-4)


def test_invalid_root_drops_hand_and_mrrpe():
    pred, batch = case()
    pred["joints_3d"][0, 1] += 50.0  # big error on the left hand (root too, so its root-relative error is 0)
    pred["joints_3d"][0, 1, :20] += 7.0
    pred["root_rel"] += torch.tensor([0.0, 6.0, 8.0])
    m = compute_metrics(pred, batch)
    assert m["mrrpe"] == pytest.approx(10.0, abs=1e-4)
    assert m["mpjpe_left"] == pytest.approx(7 * math.sqrt(3) * 20 / 21, abs=1e-3)
    batch["joint_valid"][0, 1, 20] = 0
    m = compute_metrics(pred, batch)
    assert math.isnan(m["mrrpe"]) and math.isnan(m["mpjpe_left"]) and m["mpjpe"] == pytest.approx(0, abs=1e-4)


def test_procrustes_removes_similarity():
    g = torch.Generator().manual_seed(1)
    gt = torch.randn(3, 21, 3, generator=g) * 20
    rot = torch.from_numpy(cv2.Rodrigues(np.array([0.4, -1.0, 0.3]))[0]).float()
    pred = 1.7 * gt @ rot.T + torch.tensor([5.0, -3.0, 40.0])
    aligned = procrustes_align(pred, gt, torch.ones(3, 21))
    torch.testing.assert_close(aligned, gt, atol=1e-3, rtol=0)
    # a masked-out outlier must not influence the alignment
    pred[:, 0] += 500
    w = torch.ones(3, 21)
    w[:, 0] = 0
    torch.testing.assert_close(procrustes_align(pred, gt, w)[:, 1:], gt[:, 1:], atol=1e-3, rtol=0)


def test_mcp_scale_protocol_ignores_global_scale():
    pred, batch = case()
    pred["joints_3d"] = pred["joints_3d"] * 1.25  # wrong size only: wrist-rooted error, IntagHand error 0
    m = compute_metrics(pred, batch, protocols=("wrist", "mcp_scale"))
    assert m["mpjpe"] > 5 and m["mpjpe_mcp_scale"] == pytest.approx(0.0, abs=1e-3)
    assert m["pa_mpjpe"] == pytest.approx(0.0, abs=1e-3)


def test_mpvpe_and_score_with_mano_mask():
    pred, batch = case()
    gt_v = torch.zeros(1, 2, 778, 3)
    pred["vertices"] = gt_v.clone()
    pred["vertices"][0, 0] += torch.tensor([0.0, 2.0, 0.0])  # 2 mm everywhere on the right mesh
    pred["vertices"][0, 1] += 30.0  # left fit missing -> not counted
    batch["mano_valid"][0, 1] = 0
    pred["joints_3d"][0, 0, 0] += torch.tensor([0.0, 0.0, 21.0])  # mpjpe = 21 / 42 = 0.5
    m = compute_metrics(pred, batch, gt_v)
    assert m["mpvpe"] == pytest.approx(2.0, abs=1e-4) and math.isnan(m["mpvpe_left"])
    assert m["score"] == pytest.approx((0.5 + 2.0) / 2, abs=1e-4)


def test_accumulator_is_mean_over_valid_joints_not_mean_of_batches():
    pred_a, batch_a = case()
    pred_a["joints_3d"][0, 0, 0] += torch.tensor([42.0, 0, 0])  # batch a: 42 mm over 42 joints
    pred_b, batch_b = case()
    batch_b["joint_valid"][0, :, :20] = 0  # batch b: only the 2 roots valid, both exact
    acc = MetricAccumulator()
    acc.update(pred_a, batch_a)
    acc.update(pred_b, batch_b)
    assert acc.compute()["mpjpe"] == pytest.approx(42 / 44, abs=1e-4)
