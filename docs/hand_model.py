"""Draw the generated MANO-format hand in a few poses into docs/hand_model.png.

Run: python docs/hand_model.py [OUT.png]. Uses the data package's OpenCV mesh renderer (z-buffer
algorithm, Lambert shading), so the picture shows the hands the way the synthetic images do.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import torch

from mahm_search.data.render import render_meshes
from mahm_search.hands.joints import SKELETON
from mahm_search.hands.layer import TwoHandMANO
from mahm_search.hands.spec import ManoSpec

PANEL = 360
SKIN = np.array([224.0, 172.0, 140.0])
# Hand frame (MANO: fingers -x, thumb +z, back of hand +y) -> camera (x right, y down, z forward),
# looking at the back of the hand with the fingers up.
BACK_VIEW = np.array([[0.0, 0.0, -1.0], [1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


def rotation(axis: str, degrees: float) -> np.ndarray:
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def draw(hands: list[tuple[np.ndarray, np.ndarray, np.ndarray]], view: np.ndarray, title: str) -> np.ndarray:
    """hands: (vertices mm, faces, joints mm). Fits the camera to the hands, draws mesh and skeleton."""
    verts = [v @ view.T for v, _, _ in hands]
    joints = [j @ view.T for _, _, j in hands]
    allv = np.concatenate(verts)
    center = (allv.max(0) + allv.min(0)) / 2
    extent = (allv.max(0) - allv.min(0))[:2].max()
    focal = 1000.0
    depth = focal * extent / (0.8 * PANEL)
    offset = np.array([-center[0], -center[1], depth - center[2]])
    K = np.array([[focal, 0, PANEL / 2], [0, focal, PANEL / 2], [0, 0, 1]])
    canvas = np.full((PANEL, PANEL, 3), 245, np.uint8)
    faces = np.concatenate([f + sum(len(v) for v in verts[:i]) for i, (_, f, _) in enumerate(hands)])
    allv = np.concatenate(verts) + offset
    render_meshes(canvas, allv, faces, K, np.broadcast_to(SKIN, (len(faces), 3)), np.array([0.3, -0.5, -1.0]), 0.35)
    for j in joints:
        uv = (j + offset) @ K.T
        uv = uv[:, :2] / uv[:, 2:]
        for a, b in SKELETON:
            cv2.line(canvas, tuple(np.int32(uv[a])), tuple(np.int32(uv[b])), (40, 90, 200), 1, cv2.LINE_AA)
    cv2.putText(canvas, title, (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (20, 20, 20), 1, cv2.LINE_AA)
    return canvas


def main(out: Path) -> None:
    flat = TwoHandMANO(ManoSpec(flat_hand_mean=True))
    mano = TwoHandMANO()
    comps, mean = mano.hands_components[0], mano.hands_mean[0]
    zeros = torch.zeros(1, 2, 10)

    def run(layer, pose, pca=False):
        with torch.no_grad():
            o = layer(pose, zeros, pca=pca)
        return o["vertices"][0].numpy(), o["joints"][0].numpy()

    def single(layer, fingers, pca=False):
        pose = torch.zeros(1, 2, 3 + fingers.shape[-1])
        pose[0, :, 3:] = fingers
        v, j = run(layer, pose, pca)
        return [(v[0], mano.faces[0].numpy(), j[0])]

    # Fist: along PCA component 0 (the curl) from the mean; pointing: the fist with the index straightened.
    fist_coef = torch.zeros(45)
    fist_coef[0] = 2.2
    fist_aa = mean + fist_coef @ comps
    pointing = fist_aa.clone()
    pointing[0:9] = 0.0  # index1-3 (MANO finger order starts with the index)
    tilt = rotation("x", -25) @ rotation("y", 20) @ BACK_VIEW
    palm = rotation("y", 180) @ BACK_VIEW
    side = rotation("x", -20) @ rotation("y", 70) @ BACK_VIEW

    panels = [
        draw(single(flat, torch.zeros(45)), BACK_VIEW, "flat, back (right hand)"),
        draw(single(flat, torch.zeros(45)), palm, "flat, palm side"),
        draw(single(mano, torch.zeros(45)), tilt, "mean pose (hands_mean)"),
        draw(single(mano, fist_coef, pca=True), side, "fist: PCA comp. 0 = +2.2"),
        draw(single(flat, pointing), side, "pointing (axis-angle)"),
    ]
    # The left hand turned half a turn about y, so both point their fingers up with thumbs inward.
    pose = torch.zeros(1, 2, 48)
    pose[0, 1, 1] = np.pi
    with torch.no_grad():
        o = flat(pose, zeros)
    v, j = o["vertices"][0].numpy(), o["joints"][0].numpy()
    # MANO rotates about the wrist: line the wrists up, then set the hands 25 cm apart.
    for h, side in ((0, -125.0), (1, 125.0)):
        shift = j[0, 20] - j[h, 20] + np.array([0.0, 0.0, side])
        v[h], j[h] = v[h] + shift, j[h] + shift
    both = [(v[h], mano.faces[h].numpy(), j[h]) for h in range(2)]
    panels.append(draw(both, rotation("x", -20) @ BACK_VIEW, "flat, both backs: left | right"))
    grid = np.vstack([np.hstack(panels[:3]), np.hstack(panels[3:])])
    cv2.imwrite(str(out), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("hand_model.png"))
