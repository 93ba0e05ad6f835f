"""Random interacting two-hand scenes: a pose prior in MANO's PCA space, hands placed to touch, a camera.

Per sample (its own RNG, so one sample never depends on another): finger poses as PCA coefficients,
betas, the right hand's orientation, the left hand as its mirror image (about the x = 0 plane, the way
MANO's left model mirrors the right) perturbed, a contact depth, a scene rotation and a camera distance.
Orientations are drawn around a side-by-side pose that shows the camera the palms (FACING_CAMERA),
not over all of SO(3): a 64-128 px image of two hands seen from any direction is too ambiguous for a
small network to learn in a few hundred steps (over full SO(3) trained models stayed at the
mean-rotation error, ~100 mm), and the limited range is still ~55 mm from the best constant rotation. Per batch: one TwoHandMANO forward for all samples, then the hands are pushed along x until
they touch (then pulled along their closest points until skin meets skin), and the scene is rotated and placed in front of the pinhole camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List

import cv2
import numpy as np
import torch

from ..hands.joints import ROOT

N_PCA = 12  # finger pose = first N_PCA principal components (the usual MANO pose prior)
# Spread of the finger-pose coefficients along each component. 'natural': 1.2 x the pose prior's own
# spread (hands/generated/pose_prior.py; tests measure it), so the curl of all fingers dominates, as in real hands,
# and the minor components stay plausible. 'wide' (0.85**k) inflates the minor components to 1.5-3x
# their natural spread: harder, since what it adds is fine articulation that is hard to see. The mean
# pose's PA-MPJPE is 16.8 mm with 'natural' and 19.3 mm with 'wide'; knowing the curl alone removes 29%
# of it with 'natural' and 7% with 'wide'.
NATURAL_PCA_STD = np.array([1.283, 0.415, 0.412, 0.411, 0.290, 0.155, 0.123, 0.096, 0.092, 0.091, 0.090, 0.054])
PCA_STD = {"natural": 1.2 * NATURAL_PCA_STD, "wide": 1.0 * 0.85 ** np.arange(N_PCA)}
MIRROR = np.diag([-1.0, 1.0, 1.0])
# MANO's zero rotation shows the camera (looking along +z) the hand edge-on (palm normal along y);
# a quarter turn about x turns the palm normal towards the camera, hands side by side along x.
FACING_CAMERA = cv2.Rodrigues(np.array([np.pi / 2, 0.0, 0.0]))[0]
HAND_ROT_MAX = np.deg2rad(45)  # right hand's orientation about the facing pose (before the scene rotation)
SCENE_ROT_MAX = np.deg2rad(60)  # whole pair's rotation; both together reach ~+-100 deg
LEFT_ROT_MAX = np.deg2rad(30)  # the left hand's deviation from the right's mirror image
SKIN_TONES = np.array([  # RGB, light to dark
    [255, 224, 196], [241, 194, 167], [224, 172, 138], [198, 134, 96], [160, 104, 72], [110, 70, 50],
], np.float64)


def random_rotation(rng: np.random.Generator, max_angle: float = np.pi) -> np.ndarray:
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis) + 1e-12
    return cv2.Rodrigues(axis * rng.uniform(0, max_angle))[0]


def sample_params(rng: np.random.Generator, pose_spread: str = "natural") -> Dict[str, np.ndarray]:
    """Everything random about one scene, drawn from its own RNG (fixed draw order: keep it stable)."""
    r_right = random_rotation(rng, HAND_ROT_MAX)
    r_left = random_rotation(rng, LEFT_ROT_MAX) @ MIRROR @ r_right @ MIRROR
    tone = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.9, 1.05, 3)
    return {
        "pca": rng.normal(size=(2, N_PCA)) * PCA_STD[pose_spread],
        "betas": np.clip(rng.normal(size=(2, 10)) * 0.8, -2, 2),
        "hand_rot": np.stack([r_right, r_left]),
        "overlap": rng.uniform(0.0, 25.0),  # mm the hands interpenetrate along x (contact)
        "offset_yz": rng.normal(0.0, 10.0, 2),  # mm, left relative to right, across the contact
        "scene_rot": random_rotation(rng, SCENE_ROT_MAX) @ FACING_CAMERA,
        "center": np.array([rng.uniform(-30, 30), rng.uniform(-30, 30), rng.uniform(380, 650)]),
        "focal_frac": rng.uniform(1.3, 1.8),  # focal length / virtual frame side
        "skin": np.clip(tone, 0, 255),
        "light": np.array([rng.normal(0, 0.5), rng.normal(0, 0.5), -1.0]),
        "ambient": rng.uniform(0.25, 0.45),
    }


def rotation_to_axis_angle(rot: np.ndarray) -> np.ndarray:
    return cv2.Rodrigues(np.asarray(rot, np.float64))[0].ravel()


@dataclass
class Scenes:
    """A batch of posed scenes in camera coordinates (mm), numpy."""

    vertices: np.ndarray  # (N, 2, 778, 3)
    joints: np.ndarray  # (N, 2, 21, 3)
    mano_pose: np.ndarray  # (N, 2, 48) axis-angle, camera frame
    mano_shape: np.ndarray  # (N, 2, 10)


def contact_pull(right: torch.Tensor, left: torch.Tensor, iterations: int = 3, step: int = 6) -> torch.Tensor:
    """(N, 3) translation of the left hand that brings its closest skin point onto the right hand's.

    Pushing along x alone leaves the hands apart when their profiles differ, so the left hand is moved
    along the closest-pair vector a few times (on every `step`-th vertex, for speed)."""
    move = torch.zeros(right.shape[0], 3)
    r = right[:, ::step]
    for _ in range(iterations):
        l = left[:, ::step] + move[:, None]
        d = torch.cdist(r, l)  # (N, Vr, Vl)
        flat = d.flatten(1).argmin(1)
        i, j = flat // d.shape[2], flat % d.shape[2]
        rows = torch.arange(len(flat))
        move += r[rows, i] - l[rows, j]
    return move


@torch.no_grad()
def pose_scenes(mano: torch.nn.Module, params: List[Dict[str, np.ndarray]]) -> Scenes:
    """One batched MANO forward for all scenes, then contact placement and the camera transform."""
    n = len(params)
    stack = lambda key: torch.as_tensor(np.stack([p[key] for p in params]), dtype=torch.float32)  # noqa: E731
    scene_rot = stack("scene_rot")  # (N, 3, 3)
    world_rot = torch.einsum("nij,nhjk->nhik", scene_rot, stack("hand_rot"))  # camera-frame hand rotations
    glob = torch.as_tensor(np.array([[rotation_to_axis_angle(r) for r in pair] for pair in world_rot.numpy()]),
                           dtype=torch.float32)
    fingers = torch.einsum("nhc,hck->nhk", stack("pca"), mano.hands_components[:, :N_PCA].float())
    pose = torch.cat([glob, fingers], dim=-1)
    shape = stack("betas")
    out = mano(pose, shape)
    root = out["joints"][:, :, ROOT:ROOT + 1]
    verts, joints = out["vertices"] - root, out["joints"] - root  # rotated, each wrist at the origin
    # Contact along x in the pre-scene frame (where the hands are mirror images about x = 0).
    pre = torch.einsum("nji,nhvj->nhvi", scene_rot, verts)
    overlap, off = stack("overlap"), stack("offset_yz")
    shift = torch.zeros(n, 2, 3)
    shift[:, 0, 0] = overlap / 2 - pre[:, 0, :, 0].min(1).values
    shift[:, 1, 0] = -overlap / 2 - pre[:, 1, :, 0].max(1).values
    shift[:, 0, 1:], shift[:, 1, 1:] = off / 2, -off / 2
    shift[:, 1] += contact_pull(pre[:, 0] + shift[:, 0, None], pre[:, 1] + shift[:, 1, None])
    centroid = (pre + shift[:, :, None]).mean((1, 2))  # (N, 3): the pair's centre
    shift = shift - centroid[:, None]
    wrist = torch.einsum("nij,nhj->nhi", scene_rot, shift) + stack("center")[:, None]
    return Scenes(
        vertices=(verts + wrist[:, :, None]).numpy(),
        joints=(joints + wrist[:, :, None]).numpy(),
        mano_pose=pose.numpy(),
        mano_shape=shape.numpy(),
    )
