"""hands_mean and hands_components of the generated hand: PCA of a sampled finger-pose model.

Poses are drawn from a simple, joint-limited model: one global curl per hand (so PCA component 0 is a
fist-like curl of all fingers), per-finger deviations, flexion shared along a finger (MCP < PIP > DIP),
a little sideways spread, thumb opposition. Each joint's axis-angle is flexion * flexion axis + spread
* spread axis, with axes from the rest pose (right hand: fingers along -x, palm facing -y).
A little isotropic noise makes all 45 directions well defined (a full orthonormal basis, like MANO's).
"""

from __future__ import annotations

import numpy as np

from .hand_anatomy import FINGER_JOINTS, FINGER_NAMES

SAMPLES = 20000
SEED = 0
FLEX_GAIN = {"mcp": 1.45, "pip": 1.65, "dip": 1.0}  # radians at full curl
THUMB_GAIN = (0.55, 0.6, 0.9)  # CMC opposition, MCP, IP at full curl
NOISE = 0.02


def joint_axes(rest_joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(15,3) flexion axes and (15,3) spread axes, in MANO's finger-joint order (index, middle, pinky, ring, thumb)."""
    flex = np.zeros((15, 3))
    spread = np.zeros((15, 3))
    palmward = np.array([0.0, -1.0, 0.0])
    across_palm = np.array([0.0, -0.6, -0.8])  # the thumb curls down and toward the pinky
    for name, joints in FINGER_JOINTS.items():
        target = across_palm if name == "thumb" else palmward
        for k, j in enumerate(joints):
            child = rest_joints[joints[k + 1]] if k < 2 else 2 * rest_joints[j] - rest_joints[joints[k - 1]]
            d = child - rest_joints[j]
            d /= np.linalg.norm(d)
            # Rotating d about (d x target) moves d toward target: positive angle = flexion.
            axis = np.cross(d, target)
            flex[j - 1] = axis / np.linalg.norm(axis)
            side = np.cross(flex[j - 1], d)
            spread[j - 1] = side / np.linalg.norm(side)
    return flex, spread


def sample_poses(rest_joints: np.ndarray, n: int = SAMPLES, seed: int = SEED) -> np.ndarray:
    """(n,45) axis-angle finger poses."""
    rng = np.random.default_rng(seed)
    flex_axis, spread_axis = joint_axes(rest_joints)
    curl = rng.beta(1.3, 2.2, n) * 1.15 - 0.1
    spread_all = rng.normal(0.0, 0.12, n) * (1 - np.clip(curl, 0, 1))
    pose = np.zeros((n, 15, 3))
    fan = {"index": 1.0, "middle": 0.2, "ring": -0.6, "pinky": -1.2}
    for name in FINGER_NAMES:
        j1, j2, j3 = FINGER_JOINTS[name]
        c = np.clip(curl + rng.normal(0, 0.18, n), -0.15, 1.1)
        c2 = np.clip(c + rng.normal(0, 0.08, n), -0.05, 1.1)
        spread = spread_all * fan[name] + rng.normal(0, 0.05, n)
        pose[:, j1 - 1] = (FLEX_GAIN["mcp"] * c)[:, None] * flex_axis[j1 - 1] + spread[:, None] * spread_axis[j1 - 1]
        pose[:, j2 - 1] = (FLEX_GAIN["pip"] * c2)[:, None] * flex_axis[j2 - 1]
        pose[:, j3 - 1] = (FLEX_GAIN["dip"] * c2)[:, None] * flex_axis[j3 - 1]
    ct = np.clip(curl + rng.normal(0, 0.25, n), -0.2, 1.1)
    for gain, j in zip(THUMB_GAIN, FINGER_JOINTS["thumb"]):
        pose[:, j - 1] = (gain * ct)[:, None] * flex_axis[j - 1]
    pose[:, FINGER_JOINTS["thumb"][0] - 1] += rng.normal(0, 0.12, n)[:, None] * spread_axis[FINGER_JOINTS["thumb"][0] - 1]
    return pose.reshape(n, 45) + rng.normal(0, NOISE, (n, 45))


def pose_pca(rest_joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hands_mean (45,), hands_components (45,45) with orthonormal rows, largest variance first)."""
    poses = sample_poses(rest_joints)
    mean = poses.mean(axis=0)
    eigval, eigvec = np.linalg.eigh(np.cov(poses - mean, rowvar=False))
    components = eigvec[:, np.argsort(eigval)[::-1]].T
    flex_axis, _ = joint_axes(rest_joints)
    for k in range(len(components)):  # deterministic signs; component 0 positive = curl
        ref = flex_axis.reshape(-1) if k == 0 else components[k]
        pivot = np.argmax(np.abs(ref)) if k else None
        score = components[k] @ ref if k == 0 else components[k][pivot]
        if score < 0:
            components[k] *= -1
    return mean, components
