"""The 21-joint hand skeleton in InterHand2.6M order, and how MANO's joints map onto it.

MANO (smplx) returns 16 joints: wrist, index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3. The five
fingertips are mesh vertices; we follow InterHand2.6M / InterWild (745, 317, 445, 556, 673), not
smplx's own table. Appended after the 16 joints they give 21 "MANO-order" joints, which
`MANO_TO_INTERHAND` reorders into the dataset's order (tip -> base per finger, wrist last).
"""

from __future__ import annotations

NUM_JOINTS = 21
ROOT = 20  # wrist, in InterHand order

FINGERS = ("thumb", "index", "middle", "ring", "pinky")

JOINT_NAMES = tuple(f"{finger}{k}" for finger in FINGERS for k in (4, 3, 2, 1)) + ("wrist",)

# Fingertip vertices in finger order thumb, index, middle, ring, pinky.
FINGERTIP_VERTICES = (745, 317, 445, 556, 673)

# MANO's 16 joints, then the 5 tips appended in FINGERTIP_VERTICES order.
MANO_JOINT_NAMES = (
    "wrist",
    "index1", "index2", "index3",
    "middle1", "middle2", "middle3",
    "pinky1", "pinky2", "pinky3",
    "ring1", "ring2", "ring3",
    "thumb1", "thumb2", "thumb3",
    "thumb4", "index4", "middle4", "ring4", "pinky4",
)

# interhand_joints = mano_joints[:, MANO_TO_INTERHAND]
MANO_TO_INTERHAND = tuple(MANO_JOINT_NAMES.index(name) for name in JOINT_NAMES)

# (parent, child) bones in InterHand indices: wrist -> finger base -> ... -> tip.
SKELETON = tuple(
    pair
    for f in range(len(FINGERS))
    for pair in ((ROOT, 4 * f + 3), (4 * f + 3, 4 * f + 2), (4 * f + 2, 4 * f + 1), (4 * f + 1, 4 * f))
)
