"""The mesh renderer: a face turned to a light in front of it is lit, not left at the ambient level."""

import numpy as np
import torch

from mahm_search.data.render import render_meshes
from mahm_search.hands.layer import TwoHandMANO


def test_front_faces_lit_from_the_camera_side_are_bright():
    mano = TwoHandMANO()
    faces = mano.faces[0].numpy()
    verts = mano(torch.zeros(1, 2, 48), torch.zeros(1, 2, 10))["vertices"][0, 0].numpy()  # flat right hand
    verts = verts - verts.mean(0) + np.array([0.0, 0.0, 400.0])  # 40 cm in front of the camera
    K = np.array([[300.0, 0, 64], [0, 300.0, 64], [0, 0, 1]])
    albedo = np.full((len(faces), 3), 200.0)
    towards_camera = np.array([0.0, 0.0, -1.0])  # from the hand toward a light at the camera
    canvas = np.zeros((128, 128, 3), np.uint8)
    render_meshes(canvas, verts, faces, K, albedo, towards_camera, ambient=0.2)
    drawn = canvas.reshape(-1, 3)[canvas.reshape(-1, 3).any(1)]
    assert len(drawn) > 500, "the hand covers part of the image"
    # ambient alone would give 0.2 * 200 = 40 everywhere; faces turned to the light must be much brighter
    assert np.median(drawn[:, 0]) > 120
