"""The project's metrics against numpy re-implementations of the official evaluation code, on random
arrays with invalid joints, invalid roots, missing MANO fits and every hand type.

The references below follow their sources line by line (long lines kept as there), with the
network-output decoding (heatmaps, bounding boxes, rendering) left out: predictions come in camera mm.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mahm_search.hands.joints import MANO_TO_INTERHAND
from mahm_search.metrics.metrics import MetricAccumulator, compute_metrics
from support.official_reference import (FIXTURE_TYPES, JOINT_NUM, JOINT_TYPE, ROOT_JOINT_IDX, fixture_truth,
                                        interhand26m_evaluate)

TOL = 1e-4  # mm
VERTEX_NUM = 778


def rigid_align(A, B):
    """Similarity Procrustes of A onto B (Umeyama), as commonly used for PA-MPJPE."""
    centroid_A, centroid_B = A.mean(0), B.mean(0)
    H = (A - centroid_A).T @ (B - centroid_B) / len(A)
    U, s, V = np.linalg.svd(H)
    R = V.T @ U.T
    if np.linalg.det(R) < 0:
        s[-1] = -s[-1]
        V[2] = -V[2]
        R = V.T @ U.T
    c = np.sum(s) / np.var(A, axis=0).sum()
    t = centroid_B - c * R @ centroid_A
    return (c * R @ A.T).T + t


def pa_mpjpe_reference(gt_joint_cam, pred_joint_cam, ann_joint_valid):
    """PA-MPJPE averaged like the official MPJPE: each hand aligned on its valid root-relative joints."""
    per_joint = [[] for _ in range(JOINT_NUM * 2)]
    for n in range(len(gt_joint_cam)):
        joint_valid = ann_joint_valid[n].astype(np.float32).reshape(JOINT_NUM * 2)
        for h in ("right", "left"):
            joint_valid[JOINT_TYPE[h]] *= joint_valid[ROOT_JOINT_IDX[h]]
            idx = JOINT_TYPE[h][joint_valid[JOINT_TYPE[h]] > 0]
            if len(idx) == 0:
                continue
            gt = gt_joint_cam[n][JOINT_TYPE[h]] - gt_joint_cam[n][ROOT_JOINT_IDX[h]]
            pred = pred_joint_cam[n][JOINT_TYPE[h]] - pred_joint_cam[n][ROOT_JOINT_IDX[h]]
            aligned = rigid_align(pred[idx - JOINT_TYPE[h][0]], gt[idx - JOINT_TYPE[h][0]])
            for k, j in enumerate(idx):
                per_joint[j].append(np.sqrt(np.sum((aligned[k] - gt[j - JOINT_TYPE[h][0]]) ** 2)))
    return np.mean([np.mean(e) for e in per_joint if e])


def interwild_mpvpe(mesh_gt_all, mesh_out_all, ann_joint_valid, hand_types, mano_fit, orig_joint_regressor):
    """facebookresearch/InterWild, data/InterHand26M/InterHand26M.py: load_data (a hand with no valid
    joint has its bbox and so its MANO fit dropped), evaluate and print_eval_result (MPVPE), with
    common/utils/human_models.py's sh_joint_regressor (the right hand's J_regressor) for the wrist."""
    sample_num = len(mesh_gt_all)
    eval_result = {"mpvpe_sh": [None for _ in range(sample_num)], "mpvpe_ih": [None for _ in range(sample_num * 2)]}
    for n in range(sample_num):
        joint_trunc = ann_joint_valid[n].astype(np.float32).reshape(-1, 1)
        joint_trunc[JOINT_TYPE["right"]] *= joint_trunc[ROOT_JOINT_IDX["right"]]
        joint_trunc[JOINT_TYPE["left"]] *= joint_trunc[ROOT_JOINT_IDX["left"]]
        if np.sum(joint_trunc) == 0:
            continue
        mano_param = {"right": "fit" if mano_fit[n, 0] else None, "left": "fit" if mano_fit[n, 1] else None}
        if np.sum(joint_trunc[JOINT_TYPE["left"]]) == 0:  # lhand_bbox is None
            mano_param["left"] = None
        if np.sum(joint_trunc[JOINT_TYPE["right"]]) == 0:  # rhand_bbox is None
            mano_param["right"] = None
        mesh_out = np.concatenate((mesh_out_all[n, 0], mesh_out_all[n, 1]))
        mesh_gt = np.concatenate((mesh_gt_all[n, 0], mesh_gt_all[n, 1]))
        for h in ("right", "left"):
            vertex_mask = np.arange(0, VERTEX_NUM) if h == "right" else np.arange(VERTEX_NUM, 2 * VERTEX_NUM)
            mesh_gt[vertex_mask, :] = mesh_gt[vertex_mask, :] - np.dot(orig_joint_regressor, mesh_gt[vertex_mask, :])[0, None, :]
            mesh_out[vertex_mask, :] = mesh_out[vertex_mask, :] - np.dot(orig_joint_regressor, mesh_out[vertex_mask, :])[0, None, :]
        if hand_types[n] == "right" and mano_param["right"] is not None:
            eval_result["mpvpe_sh"][n] = np.sqrt(np.sum((mesh_gt[:VERTEX_NUM, :] - mesh_out[:VERTEX_NUM, :]) ** 2, 1)).mean()
        elif hand_types[n] == "left" and mano_param["left"] is not None:
            eval_result["mpvpe_sh"][n] = np.sqrt(np.sum((mesh_gt[VERTEX_NUM:, :] - mesh_out[VERTEX_NUM:, :]) ** 2, 1)).mean()
        elif hand_types[n] == "interacting":
            if mano_param["right"] is not None:
                eval_result["mpvpe_ih"][2 * n] = np.sqrt(np.sum((mesh_gt[:VERTEX_NUM, :] - mesh_out[:VERTEX_NUM, :]) ** 2, 1)).mean()
            if mano_param["left"] is not None:
                eval_result["mpvpe_ih"][2 * n + 1] = np.sqrt(np.sum((mesh_gt[VERTEX_NUM:, :] - mesh_out[VERTEX_NUM:, :]) ** 2, 1)).mean()
    sh = [x for x in eval_result["mpvpe_sh"] if x is not None]
    ih = [x for x in eval_result["mpvpe_ih"] if x is not None]
    return {"mpvpe": np.mean(sh + ih), "mpvpe_single": np.mean(sh), "mpvpe_interacting": np.mean(ih)}


def intaghand_jr(J_regressor):
    """Dw1010/IntagHand, apps/eval_interhand.py: class Jr (16 MANO joints + tips, IntagHand order)."""
    tip_regressor = np.zeros_like(J_regressor[:5])
    tip_regressor[0, 745] = 1.0
    tip_regressor[1, 317] = 1.0
    tip_regressor[2, 444] = 1.0
    tip_regressor[3, 556] = 1.0
    tip_regressor[4, 673] = 1.0
    J_regressor = np.concatenate([J_regressor, tip_regressor], 0)
    new_order = [0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20]
    return J_regressor[new_order]


def intaghand_evaluate(verts_gt, verts_pred, J_regressor):
    """Dw1010/IntagHand, apps/eval_interhand.py, __main__: every hand of its test set (interacting
    samples with both MANO fits), joints regressed from the meshes, middle-MCP root, GT bone length."""
    joints_loss, verts_loss = {"left": [], "right": []}, {"left": [], "right": []}
    for h, name in enumerate(("right", "left")):
        jr = intaghand_jr(J_regressor[h])
        joints_gt, v_gt = np.einsum("jv,bvc->bjc", jr, verts_gt[:, h]), verts_gt[:, h]
        joints_pred, v_pred = np.einsum("jv,bvc->bjc", jr, verts_pred[:, h]), verts_pred[:, h]
        root_gt = joints_gt[:, 9:10]
        length_gt = np.linalg.norm(joints_gt[:, 9] - joints_gt[:, 0], axis=-1)
        joints_gt, v_gt = joints_gt - root_gt, v_gt - root_gt
        root_pred = joints_pred[:, 9:10]
        length_pred = np.linalg.norm(joints_pred[:, 9] - joints_pred[:, 0], axis=-1)
        scale = (length_gt / length_pred)[:, None, None]
        joints_pred, v_pred = (joints_pred - root_pred) * scale, (v_pred - root_pred) * scale
        joints_loss[name] = np.linalg.norm(joints_pred - joints_gt, ord=2, axis=-1)
        verts_loss[name] = np.linalg.norm(v_pred - v_gt, ord=2, axis=-1)
    return {"mpjpe_mcp_scale": (joints_loss["left"].mean() + joints_loss["right"].mean()) / 2,
            "mpjpe_left_mcp_scale": joints_loss["left"].mean(), "mpjpe_right_mcp_scale": joints_loss["right"].mean(),
            "mpvpe_mcp_scale": (verts_loss["left"].mean() + verts_loss["right"].mean()) / 2}


def random_set(n=60, seed=0):
    rng = np.random.default_rng(seed)
    types = rng.choice(["right", "left", "interacting"], n)
    types[:2] = ["right", "interacting"]  # the official code needs every joint valid somewhere in both
    gt = rng.normal(0, 40, (n, 42, 3)) + [0, 0, 600]
    pred = gt + rng.normal(0, 8, (n, 42, 3)) + rng.normal(0, 30, (n, 1, 3))
    valid = (rng.random((n, 42)) < 0.8).astype(np.float32)
    valid[:, [20, 41]] = rng.random((n, 2)) < 0.85  # some invalid roots
    valid[:2] = 1
    mano_fit = rng.random((n, 2)) < 0.85
    verts_gt = rng.normal(0, 40, (n, 2, VERTEX_NUM, 3)) + [0, 0, 600]
    verts_pred = verts_gt + rng.normal(0, 6, verts_gt.shape) + rng.normal(0, 50, (n, 2, 1, 3))
    verts_pred *= rng.uniform(0.9, 1.1, (n, 2, 1, 1))
    reg = rng.random((2, 16, VERTEX_NUM)) ** 8  # different per hand: InterWild uses the right one only
    reg /= reg.sum(-1, keepdims=True)
    root_rel = gt[:, 41] - gt[:, 20] + rng.normal(0, 10, (n, 3))
    return dict(types=types, gt=gt, pred=pred, valid=valid, mano_fit=mano_fit, verts_gt=verts_gt,
                verts_pred=verts_pred, reg=reg, root_rel=root_rel)


def as_batch(d, rows=slice(None)):
    code = {"right": [1.0, 0.0], "left": [0.0, 1.0], "interacting": [1.0, 1.0]}
    t = lambda a: torch.as_tensor(np.asarray(a)[rows], dtype=torch.float64)  # noqa: E731
    valid = d["valid"].reshape(-1, 2, 21)
    batch = {"joints_3d": t(d["gt"].reshape(-1, 2, 21, 3)), "joint_valid": t(valid),
             "hand_valid": t(valid[:, :, 20]), "mano_valid": t(d["mano_fit"]),
             "hand_type": t([code[x] for x in d["types"]]), "root_rel": t(d["gt"][:, 41] - d["gt"][:, 20])}
    pred = {"joints_3d": t(d["pred"].reshape(-1, 2, 21, 3)), "vertices": t(d["verts_pred"]),
            "root_rel": t(d["root_rel"])}
    return pred, batch, t(d["verts_gt"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wrist_protocol_equals_interhand26m_and_interwild(seed):
    d = random_set(seed=seed)
    want = interhand26m_evaluate(d["gt"], d["pred"], d["valid"], d["types"], d["root_rel"])
    want["pa_mpjpe"] = pa_mpjpe_reference(d["gt"], d["pred"], d["valid"])
    want.update(interwild_mpvpe(d["verts_gt"], d["verts_pred"], d["valid"], d["types"], d["mano_fit"], d["reg"][0]))
    reg = torch.as_tensor(d["reg"])
    got = compute_metrics(*as_batch(d)[:2], as_batch(d)[2], j_regressor=reg)
    acc = MetricAccumulator()  # streamed in uneven batches
    for start in range(0, len(d["gt"]), 7):
        pred, batch, gv = as_batch(d, slice(start, start + 7))
        acc.update(pred, batch, gv, j_regressor=reg)
    streamed = acc.compute()
    diffs = {k: max(abs(got[k] - v), abs(streamed[k] - v)) for k, v in want.items()}
    print("max abs diff (mm):", max(diffs.values()), diffs)
    assert max(diffs.values()) < TOL, diffs
    # the fixed formulas do move the numbers on such data: pooled MPJPE is not the official one
    ok = d["valid"].reshape(-1, 2, 21) * d["valid"].reshape(-1, 2, 21)[:, :, 20:21]
    rel = lambda a: a.reshape(-1, 2, 21, 3) - a.reshape(-1, 2, 21, 3)[:, :, 20:21]  # noqa: E731
    pooled = (np.linalg.norm(rel(d["pred"]) - rel(d["gt"]), axis=-1) * ok).sum() / ok.sum()
    assert abs(pooled - want["mpjpe"]) > 1e-3


def test_mcp_scale_protocol_equals_intaghand():
    d = random_set(n=40, seed=5)
    keep = np.flatnonzero((d["types"] == "interacting") & d["mano_fit"].all(1))  # IntagHand's test set
    want = intaghand_evaluate(d["verts_gt"][keep], d["verts_pred"][keep], d["reg"])
    pred, batch, gv = as_batch(d, keep)
    batch["joint_valid"][:] = 0  # annotated validity plays no part in this protocol
    got = compute_metrics(pred, batch, gv, protocols=("mcp_scale",), j_regressor=torch.as_tensor(d["reg"]))
    diffs = {k: abs(got[k] - v) for k, v in want.items()}
    print("max abs diff (mm):", max(diffs.values()), diffs)
    assert max(diffs.values()) < TOL, diffs


def test_intaghand_order_is_ours_reordered():
    """IntagHand's joint order maps onto ours (MANO_TO_INTERHAND with its tips), wrist 0 -> 20, MCP 9 -> 11."""
    ours_from_mano = np.asarray(MANO_TO_INTERHAND)
    theirs_from_mano = np.asarray([0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20])
    assert list(ours_from_mano).index(theirs_from_mano[0]) == 20
    assert list(ours_from_mano).index(theirs_from_mano[9]) == 11
    assert sorted(ours_from_mano) == sorted(theirs_from_mano)


# --- evaluate_predictions on the official-layout fixture of test_interhand.py ---------------------------

from mahm_search.data.interhand.interhand import mano_to_camera  # noqa: E402
from mahm_search.errors import DataError  # noqa: E402
from mahm_search.hands.layer import TwoHandMANO  # noqa: E402
from mahm_search.hands.spec import ManoSpec  # noqa: E402
from mahm_search.metrics.official_eval import evaluate_command, evaluate_predictions  # noqa: E402
from support.interhand_fixture import CAMERAS, write_fixture  # noqa: E402

def fixture_meshes(mano_dir):
    """The fixture's GT MANO meshes (8, 2, 778, 3) mm in each camera's rotation (frame 2 has no left fit)."""
    pose = np.asarray([[0.3, -0.2, 0.1] + [0.01] * 45] * 2, np.float32)
    cams = [mano_to_camera(pose, np.ones(2), np.asarray(R)) for R, _, _, _ in CAMERAS.values()] * 4
    layer = TwoHandMANO(ManoSpec(dir=mano_dir))
    with torch.no_grad():
        out = layer(torch.as_tensor(np.asarray(cams)), torch.full((8, 2, 10), 0.5))["vertices"]
    return out.double().numpy()


def save(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_evaluate_predictions_equals_the_official_code(tmp_path, generated_mano_dir):
    world = write_fixture(tmp_path, "test")["world"]
    gt, valid = fixture_truth(world)
    rng = np.random.default_rng(0)
    pred = gt + rng.normal(0, 5, gt.shape) + 100  # camera frame, shifted: each hand is rooted anyway
    root_rel = gt[:, 41] - gt[:, 20] + rng.normal(0, 5, (8, 3))
    order = rng.permutation(8)  # predictions may come in any order
    npz = save(tmp_path / "pred.npz", ids=order, joints=pred[order].reshape(8, 2, 21, 3), root_rel=root_rel[order])
    got = evaluate_predictions(npz, tmp_path, "test")
    want = interhand26m_evaluate(gt, pred, valid, FIXTURE_TYPES, root_rel)
    diffs = {k: abs(got[k] - v) for k, v in want.items()}
    assert max(diffs.values()) < TOL, diffs
    assert got["n_samples"] == 8 and "mpvpe" not in got and "mpjpe_mcp_scale" not in got

    meshes = fixture_meshes(generated_mano_dir)
    verts = meshes * 1.1 + 30  # wrong size and place: wrist error, none after IntagHand's rescale
    npz = save(tmp_path / "pred.npz", ids=np.arange(8), joints=pred.reshape(8, 2, 21, 3), vertices=verts)
    got = evaluate_predictions(npz, tmp_path, "test", mano_dir=generated_mano_dir)
    reg = TwoHandMANO(ManoSpec(dir=generated_mano_dir)).J_regressor.double().numpy()
    fit = np.ones((8, 2), bool)
    fit[4:6, 1] = False  # frame 2: no left fit
    want = interwild_mpvpe(meshes, verts, valid, FIXTURE_TYPES, fit, reg[0])
    assert abs(got["mpvpe"] - want["mpvpe"]) < TOL and got["mpvpe"] > 1
    assert got["mpvpe_mcp_scale"] < TOL and got["mpjpe_mcp_scale"] < TOL


def test_evaluate_predictions_names_missing_and_extra_ids(tmp_path):
    write_fixture(tmp_path, "test")
    joints = np.zeros((8, 2, 21, 3))

    def run(ids, joints=joints):
        return evaluate_predictions(save(tmp_path / "pred.npz", ids=ids, joints=joints), tmp_path, "test")

    with pytest.raises(DataError, match=r"pred.npz: 1 test sample\(s\) have no prediction, e.g. ids \[3\]; "
                                        r"1 id\(s\) are not test samples, e.g. \[99\]"):
        run([0, 1, 2, 99, 4, 5, 6, 7])
    with pytest.raises(DataError, match=r"pred.npz: ids repeated: \[1\]"):
        run([0, 1, 1, 3, 4, 5, 6, 7])
    with pytest.raises(DataError, match=r"pred.npz: 'joints' has shape \(8, 42, 3\)"):
        run(np.arange(8), np.zeros((8, 42, 3)))


def test_nan_is_accepted_where_the_truth_is_invalid_and_named_where_it_is_valid(tmp_path):
    world = write_fixture(tmp_path, "test")["world"]
    gt, valid = fixture_truth(world)
    pred = gt + np.random.default_rng(1).normal(0, 5, gt.shape)
    want = evaluate_predictions(save(tmp_path / "pred.npz", ids=np.arange(8), joints=pred.reshape(8, 2, 21, 3)),
                                tmp_path, "test")
    pred[valid == 0] = np.nan  # frame 1's invalid left joint: a method's "no prediction"
    got = evaluate_predictions(save(tmp_path / "pred.npz", ids=np.arange(8), joints=pred.reshape(8, 2, 21, 3)),
                               tmp_path, "test")
    assert all(abs(got[k] - v) < TOL for k, v in want.items()), (got, want)
    pred[5, 3] = np.nan  # a valid joint
    with pytest.raises(DataError, match=r"pred.npz: 'joints' is not finite at 1 joint\(s\) that the ground truth "
                                        r"marks valid \(ids \[5\]\)"):
        evaluate_predictions(save(tmp_path / "pred.npz", ids=np.arange(8), joints=pred.reshape(8, 2, 21, 3)),
                             tmp_path, "test")


def test_evaluate_command_prints_each_protocol(tmp_path, capsys):
    world = write_fixture(tmp_path, "test")["world"]
    gt, _ = fixture_truth(world)
    npz = save(tmp_path / "pred.npz", ids=np.arange(8), joints=gt.reshape(8, 2, 21, 3))
    assert evaluate_command(npz, tmp_path, "test") == 0
    out = capsys.readouterr().out
    assert "8 InterHand2.6M test samples" in out and "InterHand2.6M official" in out and "mcp_scale" in out
    assert evaluate_command(tmp_path / "nope.npz", tmp_path, "test") == 2
    assert "nope.npz" in capsys.readouterr().err


def test_evaluate_cli_scores_predictions_and_exits_2_on_bad_ids(tmp_path):
    from typer.testing import CliRunner

    from mahm_search.cli import app

    world = write_fixture(tmp_path, "test")["world"]
    gt, _ = fixture_truth(world)
    good = save(tmp_path / "pred.npz", ids=np.arange(8), joints=gt.reshape(8, 2, 21, 3))
    res = CliRunner().invoke(app, ["evaluate", str(good), "--interhand-root", str(tmp_path), "--split", "test"])
    assert res.exit_code == 0, res.output
    assert "MPJPE" in res.output and "0.000" in res.output  # the ground truth scores 0 mm
    bad = save(tmp_path / "bad.npz", ids=np.arange(1, 9), joints=gt.reshape(8, 2, 21, 3))
    res = CliRunner().invoke(app, ["evaluate", str(bad), "--interhand-root", str(tmp_path)])
    assert res.exit_code == 2 and "bad.npz" in res.output and "Traceback" not in res.output
