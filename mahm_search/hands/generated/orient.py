"""Give a closed triangle mesh one consistent, outward-facing winding."""

from __future__ import annotations

from collections import defaultdict, deque

import numpy as np


def signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Positive when the faces wind counter-clockwise seen from outside (normals point out)."""
    tri = vertices[faces]
    return float(np.einsum("fi,fi->f", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0)


def orient_outward(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Flip faces so neighbours agree (each shared edge runs opposite ways), then all point outward."""
    faces = np.array(faces, copy=True)
    by_edge = defaultdict(list)
    for i, f in enumerate(faces):
        for k in range(3):
            by_edge[frozenset((f[k], f[(k + 1) % 3]))].append(i)
    done = np.zeros(len(faces), dtype=bool)
    for seed in range(len(faces)):
        if done[seed]:
            continue
        done[seed] = True
        queue = deque([seed])
        while queue:
            i = queue.popleft()
            f = faces[i]
            for k in range(3):
                a, b = f[k], f[(k + 1) % 3]
                for j in by_edge[frozenset((a, b))]:
                    if done[j]:
                        continue
                    g = list(faces[j])
                    # A consistent neighbour walks this edge as b -> a.
                    if any(g[m] == a and g[(m + 1) % 3] == b for m in range(3)):
                        faces[j] = faces[j][[0, 2, 1]]
                    done[j] = True
                    queue.append(j)
    if signed_volume(vertices, faces) < 0:
        faces = faces[:, [0, 2, 1]]
    return faces
