"""Metrics against values computed by hand on small cases (the official formulas: metrics/metrics.py doc)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from mahm_search.metrics.metrics import MetricAccumulator, compute_metrics, mesh_joints, procrustes_align

# A J_regressor that reads MANO joint k off vertex k: regressed joints are then plain vertex picks.
REG = torch.zeros(16, 778)
REG[torch.arange(16), torch.arange(16)] = 1.0
MCP_VERTEX, WRIST_VERTEX = 4, 0  # MANO joint 4 = middle1 (the MCP), joint 0 = wrist


def case(b=1):
    """GT joints: a random hand pair; pred = GT, root-relative per hand, as the model outputs it. float64,
    so hand-computed values hold to 1e-6 mm."""
    g = torch.Generator().manual_seed(0)
    gt = torch.randn(b, 2, 21, 3, generator=g, dtype=torch.float64) * 30 + torch.tensor([0.0, 0.0, 500.0])
    gt[:, 1] += torch.tensor([60.0, 0.0, 0.0])
    pred = {"joints_3d": gt - gt[:, :, 20:21], "root_rel": gt[:, 1, 20] - gt[:, 0, 20]}
    batch = {"joints_3d": gt.clone(), "joint_valid": torch.ones(b, 2, 21), "hand_valid": torch.ones(b, 2),
             "mano_valid": torch.ones(b, 2), "root_rel": gt[:, 1, 20] - gt[:, 0, 20],
             "hand_type": torch.ones(b, 2)}
    return pred, batch


def mesh_case(b=1):
    """case() plus a random GT mesh and an exact predicted mesh (shifted: meshes are rooted by metrics)."""
    pred, batch = case(b)
    gv = torch.randn(b, 2, 778, 3, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 40
    pred["vertices"] = gv + torch.tensor([5.0, -7.0, 300.0])
    return pred, batch, gv


def test_perfect_prediction_is_zero():
    pred, batch, gv = mesh_case(2)
    m = compute_metrics(pred, batch, gv, protocols=("wrist", "mcp_scale"), j_regressor=REG)
    for k in ("mpjpe", "pa_mpjpe", "mrrpe", "mpvpe", "mpjpe_mcp_scale", "pa_mpjpe_mcp_scale", "mpvpe_mcp_scale"):
        assert m[k] == pytest.approx(0.0, abs=1e-6), k


def test_mpjpe_by_hand_with_masks():
    pred, batch = case()
    pred["joints_3d"][0, 0, 3] += torch.tensor([3.0, 4.0, 0.0])  # 5 mm on one right joint
    pred["joints_3d"][0, 1, 5] += torch.tensor([0.0, 0.0, 12.0])  # 12 mm on one left joint
    pred["joints_3d"][0, 1, 6] += torch.tensor([100.0, 0.0, 0.0])  # masked below
    batch["joint_valid"][0, 1, 6] = 0
    m = compute_metrics(pred, batch)
    assert m["mpjpe"] == pytest.approx((5 + 12) / 41, abs=1e-6)  # joint (left, 6) has no valid sample
    assert m["mpjpe_right"] == pytest.approx(5 / 21, abs=1e-6)
    assert m["mpjpe_left"] == pytest.approx(12 / 20, abs=1e-6)
    assert m["mpjpe_interacting"] == pytest.approx(m["mpjpe"]) and "mpjpe_single" not in m  # none: left out


def test_mpjpe_is_a_mean_of_per_joint_means():
    """InterHand2.6M: each joint over the samples where it is valid, then over joints. Pooling all
    valid joints (the old formula) gave 10 / 44 here."""
    pred_a, batch_a = case()
    pred_a["joints_3d"][0, 0, 0] += torch.tensor([10.0, 0, 0])  # sample a: 10 mm on right joint 0
    pred_b, batch_b = case()
    batch_b["joint_valid"][0, 0, 1:20] = 0  # sample b: right joint 0 and root valid, exact
    batch_b["joint_valid"][0, 1, 20] = 0  # left root invalid -> no left joint
    batch = {k: torch.cat([batch_a[k], batch_b[k]]) for k in batch_a}
    pred = {k: torch.cat([pred_a[k], pred_b[k]]) for k in pred_a}
    m = compute_metrics(pred, batch)
    assert m["mpjpe"] == pytest.approx(5 / 42, abs=1e-6)  # joint 0: (10 + 0) / 2; the others 0
    assert m["mpjpe_right"] == pytest.approx(5 / 21, abs=1e-6) and m["mpjpe_left"] == 0
    acc = MetricAccumulator()  # streamed over two batches: the same numbers
    acc.update(pred_a, batch_a)
    acc.update(pred_b, batch_b)
    assert acc.compute()["mpjpe"] == pytest.approx(5 / 42, abs=1e-6)


def test_mpjpe_single_and_interacting():
    pred, batch = case(2)
    batch["hand_type"][0] = torch.tensor([1.0, 0.0])  # sample 0: right hand only
    batch["joint_valid"][0, 1] = 0
    pred["joints_3d"][0, 0, 2] += torch.tensor([0.0, 21.0, 0.0])
    pred["joints_3d"][1, 1, 2] += torch.tensor([0.0, 0.0, 42.0])
    m = compute_metrics(pred, batch)
    assert m["mpjpe_single"] == pytest.approx(21 / 21, abs=1e-6)  # only the right hand's 21 joints
    assert m["mpjpe_interacting"] == pytest.approx(42 / 42, abs=1e-6)
    assert m["mpjpe"] == pytest.approx((21 / 2 + 42) / 42, abs=1e-6)


def test_mrrpe_needs_an_interacting_sample_with_both_roots():
    pred, batch = case(2)
    pred["root_rel"] += torch.tensor([[0.0, 6.0, 8.0], [0.0, 0.0, 30.0]])
    batch["hand_type"][1] = torch.tensor([0.0, 1.0])  # a single-hand sample: not counted (old: counted)
    assert compute_metrics(pred, batch)["mrrpe"] == pytest.approx(10.0, abs=1e-6)


def test_invalid_root_drops_hand_and_mrrpe():
    pred, batch = case()
    pred["joints_3d"][0, 1] += 50.0  # big error on the left hand (root too, so its root-relative error is 0)
    pred["joints_3d"][0, 1, :20] += 7.0
    pred["root_rel"] += torch.tensor([0.0, 6.0, 8.0])
    m = compute_metrics(pred, batch)
    assert m["mrrpe"] == pytest.approx(10.0, abs=1e-6)
    assert m["mpjpe_left"] == pytest.approx(7 * math.sqrt(3) * 20 / 21, abs=1e-5)
    batch["joint_valid"][0, 1, 20] = 0
    m = compute_metrics(pred, batch)
    assert math.isnan(m["mrrpe"]) and "mpjpe_left" not in m and m["mpjpe"] == pytest.approx(0, abs=1e-6)


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


def test_procrustes_ignores_nan_in_masked_joints():
    # a method that predicts no left hand may store NaN there: masked joints must not poison the fit
    g = torch.Generator().manual_seed(2)
    gt, pred = torch.randn(2, 21, 3, generator=g) * 20, torch.randn(2, 21, 3, generator=g) * 20
    w = torch.ones(2, 21)
    w[:, :5] = 0
    want = procrustes_align(pred, gt, w)
    pred[:, :5], gt[0, 2] = float("nan"), float("inf")
    got = procrustes_align(pred, gt, w)
    torch.testing.assert_close(got[:, 5:], want[:, 5:], atol=1e-5, rtol=0)


def test_mcp_scale_protocol_ignores_global_scale():
    pred, batch, gv = mesh_case()
    pred["joints_3d"] = pred["joints_3d"] * 1.25  # wrong size only: wrist-rooted error, IntagHand error 0
    pred["vertices"] = pred["vertices"] * 1.25
    m = compute_metrics(pred, batch, gv, protocols=("wrist", "mcp_scale"), j_regressor=REG)
    assert m["mpjpe"] > 5 and m["mpjpe_mcp_scale"] == pytest.approx(0.0, abs=1e-6)
    assert m["mpvpe"] > 5 and m["mpvpe_mcp_scale"] == pytest.approx(0.0, abs=1e-6)
    assert m["pa_mpjpe"] == pytest.approx(0.0, abs=1e-6)


def test_mcp_scale_regresses_gt_joints_from_the_mesh_with_vertex_444():
    """IntagHand: GT joints come from the GT mesh (the annotated ones are ignored) and the middle tip is
    vertex 444. The old formula used the annotated joints, and InterWild's tip 445."""
    pred, batch, gv = mesh_case()
    batch["joints_3d"] += 1000 * torch.randn(1, 2, 21, 3)  # annotated joints: unused by this protocol
    pred["vertices"][0, 0, 444] += torch.tensor([7.0, 0.0, 0.0])  # the right middle tip, 7 mm off
    pred["vertices"][0, 1, 445] += torch.tensor([9.0, 0.0, 0.0])  # not a joint for IntagHand
    m = compute_metrics(pred, batch, gv, protocols=("mcp_scale",), j_regressor=REG)
    assert m["mpjpe_right_mcp_scale"] == pytest.approx(7 / 21, abs=1e-6)
    assert m["mpjpe_left_mcp_scale"] == pytest.approx(0.0, abs=1e-6)
    assert m["mpjpe_mcp_scale"] == pytest.approx(7 / 21 / 2, abs=1e-6)  # mean of the two hand means
    assert m["mpvpe_mcp_scale"] == pytest.approx((7 / 778 + 9 / 778) / 2, abs=1e-6)
    joints = mesh_joints(gv, REG)
    torch.testing.assert_close(joints[0, 0, 8], gv[0, 0, 444])  # middle4 (tip) = vertex 444
    torch.testing.assert_close(joints[0, 0, 11], gv[0, 0, MCP_VERTEX])  # middle1 = MANO joint 4


def test_mpvpe_follows_interwild():
    """Each mesh rooted on the wrist regressed from itself; a hand counts only when the sample's hand
    type has it, it has a MANO fit and its root is valid."""
    pred, batch, gv = mesh_case(2)
    pred["vertices"][0, 0] += torch.tensor([0.0, 2.0, 0.0])  # 2 mm everywhere but the wrist vertex
    pred["vertices"][0, 0, WRIST_VERTEX] -= torch.tensor([0.0, 2.0, 0.0])  # ... so 2 mm on 777 vertices
    pred["joints_3d"][0, 0] += 30.0  # the predicted joints do not root the predicted mesh
    pred["vertices"][0, 1] += 30.0  # sample 0 left: no fit -> not counted
    batch["mano_valid"][0, 1] = 0
    batch["hand_type"][1] = torch.tensor([1.0, 0.0])  # sample 1 is right-only: its left mesh is ignored
    pred["vertices"][1, 1, 100] += 50.0
    m = compute_metrics(pred, batch, gv, j_regressor=REG)
    right0 = 2 * 777 / 778
    assert m["mpvpe"] == pytest.approx(right0 / 2, abs=1e-6)  # hands: sample 0 right, sample 1 right
    assert m["mpvpe_right"] == pytest.approx(right0 / 2, abs=1e-6) and "mpvpe_left" not in m
    assert m["mpvpe_interacting"] == pytest.approx(right0, abs=1e-6)
    assert m["mpvpe_single"] == pytest.approx(0.0, abs=1e-6)
    batch["joint_valid"][0, 0, 20] = 0  # an invalid root drops the hand (InterWild drops its fit)
    assert compute_metrics(pred, batch, gv, j_regressor=REG)["mpvpe"] == pytest.approx(0.0, abs=1e-6)


def test_score_and_per_sample():
    pred, batch, gv = mesh_case(3)
    pred["joints_3d"][0, 0, 0] += torch.tensor([0.0, 0.0, 21.0])  # sample 0: mpjpe 21 / 42 = 0.5
    pred["vertices"][1, 1] += torch.tensor([0.0, 3.0, 4.0])  # moves the whole mesh: rooted away, 0
    pred["vertices"][2, 1, 700] += torch.tensor([0.0, 0.0, 778.0 * 2])  # sample 2: its left hand 2 mm
    acc = MetricAccumulator(keep_per_sample=True)
    acc.update({k: v[:2] for k, v in pred.items()}, {k: v[:2] for k, v in batch.items()}, gv[:2], j_regressor=REG)
    acc.update({k: v[2:] for k, v in pred.items()}, {k: v[2:] for k, v in batch.items()}, gv[2:], j_regressor=REG)
    m = acc.compute()
    assert m["mpjpe"] == pytest.approx(21 / 3 / 42, abs=1e-6) and m["mpvpe"] == pytest.approx(2 / 6, abs=1e-6)
    assert m["score"] == pytest.approx((m["mpjpe"] + m["mpvpe"]) / 2, abs=1e-9)
    np.testing.assert_allclose(acc.per_sample("mpjpe"), [0.5, 0, 0], atol=1e-6)
    np.testing.assert_allclose(acc.per_sample("mpvpe"), [0, 0, 1.0], atol=1e-6)
    np.testing.assert_allclose(acc.per_sample(), [0.25, 0, 0.5], atol=1e-6)
    # PA-MPJPE per sample: the mean of its valid joints' aligned errors; the whole-set value averages them
    # per joint first, which with every joint valid in every sample is the mean over samples
    pa = acc.per_sample("pa_mpjpe")
    assert pa.shape == (3,) and pa[0] > 0 and pa[1] == pytest.approx(0, abs=1e-6)
    assert m["pa_mpjpe"] == pytest.approx(pa.mean(), abs=1e-6)
    with pytest.raises(ValueError, match="keep_per_sample"):
        MetricAccumulator().per_sample()


def test_mesh_metrics_need_the_regressor():
    pred, batch, gv = mesh_case()
    with pytest.raises(ValueError, match="j_regressor"):
        compute_metrics(pred, batch, gv)
