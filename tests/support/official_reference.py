"""Independent references for the official InterHand2.6M evaluation, shared by the metric tests and the
best -> train -> predict -> evaluate chain: facebookresearch/InterHand2.6M's Dataset.evaluate followed
line by line (long lines kept as there), and the ground truth of the official-layout fixture
(interhand_fixture.py) computed by hand."""

from __future__ import annotations

import numpy as np

from .interhand_fixture import CAMERAS

JOINT_NUM = 21
ROOT_JOINT_IDX = {"right": 20, "left": 41}
JOINT_TYPE = {"right": np.arange(0, JOINT_NUM), "left": np.arange(JOINT_NUM, JOINT_NUM * 2)}


def interhand26m_evaluate(gt_joint_cam, pred_joint_cam, ann_joint_valid, hand_types, pred_rel_root):
    """facebookresearch/InterHand2.6M, data/InterHand2.6M/dataset.py: Dataset.__init__ (joint_valid
    root masking) and Dataset.evaluate (MPJPE per joint, then over joints; MRRPE)."""
    mpjpe_sh = [[] for _ in range(JOINT_NUM * 2)]
    mpjpe_ih = [[] for _ in range(JOINT_NUM * 2)]
    mrrpe = []
    for n in range(len(gt_joint_cam)):
        joint_valid = ann_joint_valid[n].astype(np.float32).reshape(JOINT_NUM * 2)
        joint_valid[JOINT_TYPE["right"]] *= joint_valid[ROOT_JOINT_IDX["right"]]
        joint_valid[JOINT_TYPE["left"]] *= joint_valid[ROOT_JOINT_IDX["left"]]
        gt_hand_type = hand_types[n]
        gt_joint_coord = gt_joint_cam[n].copy()
        pred_joint_coord_cam = pred_joint_cam[n].copy()
        if gt_hand_type == "interacting" and joint_valid[ROOT_JOINT_IDX["left"]] and joint_valid[ROOT_JOINT_IDX["right"]]:
            gt_rel_root = gt_joint_coord[ROOT_JOINT_IDX["left"]] - gt_joint_coord[ROOT_JOINT_IDX["right"]]
            mrrpe.append(float(np.sqrt(np.sum((pred_rel_root[n] - gt_rel_root) ** 2))))
        for h in ("right", "left"):
            pred_joint_coord_cam[JOINT_TYPE[h]] = pred_joint_coord_cam[JOINT_TYPE[h]] - pred_joint_coord_cam[ROOT_JOINT_IDX[h], None, :]
            gt_joint_coord[JOINT_TYPE[h]] = gt_joint_coord[JOINT_TYPE[h]] - gt_joint_coord[ROOT_JOINT_IDX[h], None, :]
        for j in range(JOINT_NUM * 2):
            if joint_valid[j]:
                if gt_hand_type == "right" or gt_hand_type == "left":
                    mpjpe_sh[j].append(np.sqrt(np.sum((pred_joint_coord_cam[j] - gt_joint_coord[j]) ** 2)))
                else:
                    mpjpe_ih[j].append(np.sqrt(np.sum((pred_joint_coord_cam[j] - gt_joint_coord[j]) ** 2)))
    tot_err = []
    for j in range(JOINT_NUM * 2):
        tot_err.append(np.mean(np.concatenate((np.stack(mpjpe_sh[j]), np.stack(mpjpe_ih[j])))))
    for j in range(JOINT_NUM * 2):
        mpjpe_sh[j] = np.mean(np.stack(mpjpe_sh[j]))
        mpjpe_ih[j] = np.mean(np.stack(mpjpe_ih[j]))
    return {"mrrpe": sum(mrrpe) / len(mrrpe), "mpjpe": np.mean(tot_err), "mpjpe_single": np.mean(mpjpe_sh),
            "mpjpe_interacting": np.mean(mpjpe_ih),
            # not printed by the official code: the same joint means, over one hand's 21 joints
            "mpjpe_right": np.mean(tot_err[:JOINT_NUM]), "mpjpe_left": np.mean(tot_err[JOINT_NUM:])}


FIXTURE_TYPES = ["interacting"] * 6 + ["right"] * 2  # image id = 2 * frame + camera - 1; frame 3 is right-only


def fixture_truth(world):
    """Camera-frame GT joints (8, 42, 3) and joint_valid (8, 42) of the fixture, by image id."""
    joints, valid = [], []
    for frame in range(4):
        for R, campos, _, _ in CAMERAS.values():
            joints.append((world + frame - np.asarray(campos)) @ np.asarray(R).T)
            v = np.ones(42)
            v[41] = 0 if frame == 1 else 1
            valid.append(v)
    return np.asarray(joints), np.asarray(valid)
