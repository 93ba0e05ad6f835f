"""Joint positions and finger radii of the generated right hand, and the 10 shape knobs that move them.

Frame and scale follow MANO's right-hand template (metres): fingers point along -x, the thumb is on
the +z side, the back of the hand faces +y, the wrist joint sits near x = 0.096. The rest joints are
MANO's own mean-shape joints (as published in many MANO-based repositories), so a generated hand has
MANO's proportions: wrist to middle fingertip ~0.18 m.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# MANO order: wrist, index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3.
MANO_REST_JOINTS = np.array([
    [0.09566994, 0.00638343, 0.00618630],
    [0.00757268, 0.00118307, 0.02687230],
    [-0.02510622, 0.00519243, 0.02908936],
    [-0.04726213, 0.00389400, 0.02897524],
    [0.00100949, 0.00490447, 0.00282876],
    [-0.03017318, 0.00676579, -0.00276574],
    [-0.05307782, 0.00551369, -0.00671026],
    [0.02688296, -0.00355690, -0.03702303],
    [0.00986855, -0.00349507, -0.04952181],
    [-0.00599835, -0.00418623, -0.05985371],
    [0.01393437, 0.00242601, -0.02048689],
    [-0.01437990, 0.00449301, -0.02558542],
    [-0.03790042, 0.00280490, -0.03321924],
    [0.07158022, -0.00913891, 0.03199915],
    [0.05194698, -0.00824762, 0.05569870],
    [0.02972924, -0.01368059, 0.07022282],
])

# Long fingers from the thumb side (+z) to the pinky side: index, middle, ring, pinky.
FINGER_NAMES = ("index", "middle", "ring", "pinky")
FINGER_JOINTS = {"index": (1, 2, 3), "middle": (4, 5, 6), "ring": (10, 11, 12), "pinky": (7, 8, 9), "thumb": (13, 14, 15)}
# Last joint (DIP / thumb IP) to the fingertip vertex, metres.
TIP_LENGTH = {"index": 0.024, "middle": 0.026, "ring": 0.025, "pinky": 0.022, "thumb": 0.027}
# (half-width, half-thickness) at base, second joint, third joint and fingertip, metres.
RADII = {
    "index": ((0.0105, 0.0105), (0.0090, 0.0082), (0.0080, 0.0072), (0.0074, 0.0066)),
    "middle": ((0.0105, 0.0105), (0.0092, 0.0085), (0.0082, 0.0074), (0.0076, 0.0068)),
    "ring": ((0.0098, 0.0100), (0.0087, 0.0080), (0.0078, 0.0070), (0.0072, 0.0064)),
    "pinky": ((0.0086, 0.0090), (0.0076, 0.0070), (0.0068, 0.0062), (0.0063, 0.0058)),
    "thumb": ((0.0120, 0.0110), (0.0115, 0.0100), (0.0102, 0.0090), (0.0094, 0.0082)),
}
WRIST_HALF_WIDTH = 0.029
PALM_DORSAL = 0.012  # wrist/palm top above the palm's mid-plane
PALM_PALMAR = 0.014  # palm bottom below it
PALMAR_PAD = 0.004  # extra palm thickness mid-palm (the palm is thicker than its edges)

# What one unit of each shape coefficient (beta) changes; beta in [-2, 2] keeps a plausible hand.
SHAPE_KNOBS = (
    "size",  # 0: whole hand +3.5 %
    "finger_length",  # 1: long-finger bones +5 %
    "palm_width",  # 2: knuckle spread and wrist width +6 %
    "palm_thickness",  # 3: +8 %
    "finger_girth",  # 4: finger and thumb radii +7 %
    "palm_length",  # 5: wrist to knuckles +6 %
    "thumb_length",  # 6: thumb bones +6 %
    "pinky_length",  # 7: pinky +7 %, ring +3.5 % (relative to index/middle)
    "fingertip_size",  # 8: fingertip radii +8 %
    "knuckle_arch",  # 9: outer knuckles 4 mm lower (palm cupping)
)


@dataclass
class Chain:
    """One finger: base joint, two more joints, fingertip; radii at those four stations."""

    points: np.ndarray  # (4,3): joint1, joint2, joint3, tip
    radii: np.ndarray  # (4,2): (half-width, half-thickness)


@dataclass
class Anatomy:
    wrist: np.ndarray  # (3,)
    fingers: dict  # name -> Chain, for FINGER_NAMES and "thumb"
    wrist_half_width: float
    dorsal: float
    palmar: float
    palmar_pad: float


def hand_anatomy(beta: np.ndarray | None = None) -> Anatomy:
    """The right hand's joints and radii for shape knobs `beta` (10,), 0 = mean hand."""
    b = np.zeros(len(SHAPE_KNOBS)) if beta is None else np.asarray(beta, dtype=float)
    joints = MANO_REST_JOINTS.copy()
    wrist = joints[0].copy()
    chains = {}
    mcp_center = joints[[1, 4, 10, 7]].mean(axis=0)
    for name, (j1, j2, j3) in FINGER_JOINTS.items():
        p = joints[[j1, j2, j3]].copy()
        bones = np.diff(p, axis=0)
        tip_dir = bones[-1] / np.linalg.norm(bones[-1])
        bones = np.vstack([bones, tip_dir * TIP_LENGTH[name]])
        base = p[0].copy()
        # Knobs that move the base joint (the finger follows rigidly).
        base[2] = mcp_center[2] + (base[2] - mcp_center[2]) * (1 + 0.06 * b[2])
        base[0] = mcp_center[0] + (base[0] - mcp_center[0]) * (1 + 0.06 * b[5] * (name == "thumb"))
        if name in ("index", "pinky"):
            base[1] -= 0.004 * b[9]
        # Knobs that change bone lengths.
        scale = {"thumb": 1 + 0.06 * b[6], "pinky": 1 + 0.05 * b[1] + 0.07 * b[7],
                 "ring": 1 + 0.05 * b[1] + 0.035 * b[7]}.get(name, 1 + 0.05 * b[1])
        points = base + np.vstack([np.zeros(3), np.cumsum(bones * scale, axis=0)])
        radii = np.array(RADII[name]) * (1 + 0.07 * b[4])
        radii[-1] *= 1 + 0.08 * b[8]
        radii[-2] *= 1 + 0.04 * b[8]
        chains[name] = Chain(points=points, radii=radii)
    wrist[0] = mcp_center[0] + (wrist[0] - mcp_center[0]) * (1 + 0.06 * b[5])
    anatomy = Anatomy(
        wrist=wrist,
        fingers=chains,
        wrist_half_width=WRIST_HALF_WIDTH * (1 + 0.06 * b[2]),
        dorsal=PALM_DORSAL * (1 + 0.08 * b[3]),
        palmar=PALM_PALMAR * (1 + 0.08 * b[3]),
        palmar_pad=PALMAR_PAD * (1 + 0.08 * b[3]),
    )
    return _scaled(anatomy, 1 + 0.035 * b[0])


def _scaled(a: Anatomy, s: float) -> Anatomy:
    """Uniform scale about the wrist joint."""
    def at(p):
        return a.wrist + (p - a.wrist) * s

    fingers = {k: Chain(points=at(c.points), radii=c.radii * s) for k, c in a.fingers.items()}
    return Anatomy(a.wrist.copy(), fingers, a.wrist_half_width * s, a.dorsal * s, a.palmar * s, a.palmar_pad * s)
