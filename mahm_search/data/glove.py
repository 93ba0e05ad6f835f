"""A coloured glove for synthetic hands: every finger its own hue, each of its three segments a
lighter shade than the one before, the palm and back of the hand the skin tone.

Why: with one flat skin colour a 64-128 px hand shows its fingers only by outline and shading, and no
network of the studies' size learned finger articulation from it in a CPU budget (PA-MPJPE stayed at
the mean pose's). Coloured gloves are the classic way to make articulation readable from one RGB image
(Wang and Popovic, SIGGRAPH 2009); the 3D task, the poses, the interaction and the occlusions are
unchanged. `data.synthetic.appearance: glove` is the default; `skin` is the harder setting.
"""

from __future__ import annotations

import numpy as np

# MANO joint order: wrist, index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3.
FINGER_OF_JOINT = np.array([-1, 0, 0, 0, 1, 1, 1, 3, 3, 3, 2, 2, 2, 4, 4, 4])
SEGMENT_OF_JOINT = np.array([0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2])
FINGER_HUES = np.array([  # RGB of the base segment: index, middle, ring, pinky, thumb
    [220, 40, 40], [40, 170, 60], [40, 80, 220], [230, 200, 30], [170, 50, 200],
], np.float64)
SEGMENT_LIGHTEN = (0.0, 0.3, 0.55)  # share of white mixed in, base to tip


def face_joints(lbs_weights: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(F,) the MANO joint that moves each face most: the largest skinning weight summed over its corners."""
    return lbs_weights[faces].sum(1).argmax(1)


def glove_colours(joint_of_face: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """(F, 3) albedo: the finger's hue lightened by segment; faces on the palm (joint 0) keep `skin`."""
    finger, segment = FINGER_OF_JOINT[joint_of_face], SEGMENT_OF_JOINT[joint_of_face]
    lighten = np.asarray(SEGMENT_LIGHTEN)[segment][:, None]
    colour = FINGER_HUES[np.maximum(finger, 0)] * (1 - lighten) + 255.0 * lighten
    return np.where(finger[:, None] >= 0, colour, np.asarray(skin, np.float64)[None])
