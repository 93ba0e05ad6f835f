"""Skinning weights and joint regressor of the generated hand.

Each vertex belongs to a chain (a finger, or the thumb) at an arc length from the chain's base joint;
palm vertices carry a negative arc (distance before the knuckle). Weights hand over from one joint to
the next with a smoothstep centred on the joint, so bending a joint bends the skin smoothly instead of
shearing it. Around the thumb's base the palm also follows the thumb (the thenar), fading with distance.
"""

from __future__ import annotations

import numpy as np

from .hand_anatomy import FINGER_JOINTS
from .hand_mesh import HandMesh, _arc_lengths

NUM_JOINTS = 16
BLEND = 0.006  # metres either side of a finger joint
THUMB_BASE_BLEND = 0.015  # the thumb leaves the palm more gradually
THENAR_RADIUS = 0.03  # palm skin within this distance of the thumb base follows the thumb a little


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def skinning_weights(mesh: HandMesh, chain_points: dict) -> np.ndarray:
    """(N,16) weights, rows sum to 1. chain_points: finger name -> (4,3) joint1..tip of that mesh."""
    n = len(mesh.vertices)
    weights = np.zeros((n, NUM_JOINTS))
    arc = np.asarray(mesh.arc)
    chain_of = np.asarray(mesh.chain_of)
    weights[chain_of == "wrist", 0] = 1.0
    for name, (j1, j2, j3) in FINGER_JOINTS.items():
        sel = chain_of == name
        s = arc[sel]
        knots = _arc_lengths(chain_points[name])
        first = 0.5 + 0.5 * smoothstep(s / THUMB_BASE_BLEND) if name == "thumb" else smoothstep((s + BLEND) / (2 * BLEND))
        second = smoothstep((s - knots[1] + BLEND) / (2 * BLEND))
        third = smoothstep((s - knots[2] + BLEND) / (2 * BLEND))
        weights[sel, 0] = 1 - first
        weights[sel, j1] = first - second
        weights[sel, j2] = second - third
        weights[sel, j3] = third
    palm = np.zeros(n, dtype=bool)
    palm[mesh.palm_vertices] = True
    palm &= chain_of != "thumb"
    dist = np.linalg.norm(mesh.vertices[palm] - mesh.thumb_base, axis=1)
    thenar = 0.5 * smoothstep(1 - dist / THENAR_RADIUS)[:, None]
    thumb1 = np.zeros(NUM_JOINTS)
    thumb1[FINGER_JOINTS["thumb"][0]] = 1.0
    weights[palm] = (1 - thenar) * weights[palm] + thenar * thumb1
    return weights / weights.sum(axis=1, keepdims=True)


def joint_regressor(mesh: HandMesh) -> np.ndarray:
    """(16,N): each joint is the mean of the ring of vertices built around it."""
    reg = np.zeros((NUM_JOINTS, len(mesh.vertices)))
    for joint, ring in mesh.joint_rings.items():
        reg[joint, ring] = 1.0 / len(ring)
    return reg
