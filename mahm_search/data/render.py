"""Z-buffer rendering of both hands' meshes, vectorised in numpy over a whole shard: flat Lambert shading.

OpenCV has no depth test, and a painter's sort by mean triangle depth can misorder interpenetrating
hands, so triangles are rasterised all at once instead: back faces are culled by their projected
winding (the faces are wound outward), each remaining triangle's rows of covered pixel centres are
found from its edges (exact 1/16-pixel fixed point, so neighbouring triangles leave no cracks), and per
pixel the nearest triangle (largest interpolated 1/z) wins; ties go to the higher triangle index, so
the result is deterministic.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

SUBPIXEL_BITS = 4  # vertex coordinates in 1/16 pixel, as cv2's 'shift'
ONE = 1 << SUBPIXEL_BITS
Z_NEAR = 1.0  # mm: faces with a vertex nearer than this (or behind the camera) are dropped
WORD_BITS = 62  # z-buffer word: quantised 1/z (< 1) in the high bits, the triangle's index in the low


def project(points: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(..., 3) camera mm -> (..., 2) pixels with intrinsics K."""
    uvw = points @ K.T
    return uvw[..., :2] / np.maximum(uvw[..., 2:], 1e-6)


def face_albedo(vertices: np.ndarray, faces: np.ndarray, skin: np.ndarray,
                texture_rng: Optional[np.random.Generator], glove: Optional[np.ndarray] = None) -> np.ndarray:
    """(F, 3) RGB albedo per face: the skin tone, or a coloured glove's (F, 3) colours (synthetic_glove.py),
    and with a texture a smooth blotchy pattern on it."""
    albedo = np.broadcast_to(skin if glove is None else glove, (len(faces), 3)).astype(np.float64)
    if texture_rng is None:
        return albedo
    centers = vertices[faces].mean(1)
    freq = texture_rng.normal(0, 0.12, (3, 3))  # cycles per mm, three random plane waves
    phase = texture_rng.uniform(0, 2 * np.pi, 3)
    wave = np.sin(centers @ freq.T + phase).mean(1)
    speckle = texture_rng.uniform(-0.06, 0.06, len(faces))
    tint = texture_rng.uniform(0.85, 1.1, 3)
    return albedo * (1 + 0.25 * wave + speckle)[:, None] * np.where(wave[:, None] > 0.3, tint, 1.0)


def project_fixed(vertices: np.ndarray, K: np.ndarray) -> tuple:
    """(N, V, 3) camera mm, intrinsics (N, 3, 3) -> x, y (N, V) int64 pixels in 1/ONE pixel."""
    uvw = np.einsum("nvk,njk->jnv", vertices, K)
    scale = ONE / np.maximum(uvw[2], 1e-6)
    return np.rint(uvw[0] * scale).astype(np.int64), np.rint(uvw[1] * scale).astype(np.int64)


def edge_functions(x: np.ndarray, y: np.ndarray) -> tuple:
    """Integer edge functions of triangles with corners x, y (3, T): e_i(q) = a_i*qx + b_i*qy + c_i is
    twice the signed area of (q, edge opposite corner i). Returns a, b, c (3, T) and twice the area (T,).
    Exact, so an edge shared by two triangles has exactly negated coefficients in the other one."""
    nxt, prv = [1, 2, 0], [2, 0, 1]
    xa, ya, xb, yb = x[nxt], y[nxt], x[prv], y[prv]
    c = xa * yb - xb * ya
    return ya - yb, xb - xa, c, c[0] + c[1] + c[2]


def expand(counts: np.ndarray) -> tuple:
    """For items with counts (M,): the item of every sub-entry and the sub-entry's offset in its item."""
    item = np.repeat(np.arange(len(counts)), counts)
    offset = np.arange(len(item)) - np.repeat(np.cumsum(counts) - counts, counts)
    return item, offset


def edge_lines(a: np.ndarray, b: np.ndarray, c: np.ndarray, side: np.ndarray) -> list:
    """Crossing lines px = alpha*py + beta, as [(alpha, beta) (T,)] * 2, of the first and the last edge
    with `side` (3, T) true; a triangle has one or two such edges (then the first and last coincide)."""
    lines = []
    for first, middle, last in ((0, 1, 2), (2, 1, 0)):
        pick = lambda v: np.where(side[first], v[first], np.where(side[middle], v[middle], v[last]))  # noqa: E731
        ap, bp, cp = pick(a).astype(np.float64), pick(b), pick(c)
        # From exact integers: the two triangles sharing an edge get bit-identical crossings (signs cancel).
        lines.append((-bp / ap, -cp / (ap * ONE)))
    return lines


def row_spans(a: np.ndarray, b: np.ndarray, c: np.ndarray, y: np.ndarray, height: int, width: int) -> tuple:
    """Covered pixel centres of triangles with positive area, as row spans.

    Edge i bounds px from below where a_i > 0 and from above where a_i < 0 (horizontal edges bound
    nothing the triangle's rows do not). Bit-identical crossings of shared edges give every pixel centre
    to one of the two triangles (both when exactly on the edge): no cracks.
    Returns per (triangle, row) with a non-empty span: triangle, py, first px and span length."""
    lows, highs = edge_lines(a, b, c, a > 0), edge_lines(a, b, c, a < 0)
    y0 = np.maximum(-(-np.minimum(np.minimum(y[0], y[1]), y[2]) // ONE), 0)  # first/last pixel-centre rows
    y1 = np.minimum(np.maximum(np.maximum(y[0], y[1]), y[2]) // ONE, height - 1)
    tri, row = expand(np.maximum(y1 - y0 + 1, 0))
    py = y0[tri] + row
    crossing = lambda line: line[0][tri] * py + line[1][tri]  # noqa: E731
    first = np.ceil(np.maximum(crossing(lows[0]), crossing(lows[1])))
    last = np.floor(np.minimum(crossing(highs[0]), crossing(highs[1])))
    first, last = np.maximum(first, 0).astype(np.int64), np.minimum(last, width - 1).astype(np.int64)
    keep = np.flatnonzero(last >= first)
    return tri[keep], py[keep], first[keep], (last - first + 1)[keep]


def rasterise(x: np.ndarray, y: np.ndarray, inv_z: np.ndarray, image: np.ndarray, shape: tuple) -> np.ndarray:
    """Nearest triangle per pixel of N images, (N*H*W,) int64 with -1 where none covers the centre.

    x, y (3, T) int64 corners of triangles with positive area in 1/ONE pixel, pixel centres at
    integers; inv_z (3, T) their 1/z; image (T,) the image each belongs to; shape (N, H, W)."""
    n, height, width = shape
    a, b, c, area = edge_functions(x, y)
    tri, py, first, length = row_spans(a, b, c, y, height, width)
    # 1/z is affine in screen space (barycentric weights e_i / area): iz = dx*px + dy*py + d0.
    plane = lambda e: (e[0] * inv_z[0] + e[1] * inv_z[1] + e[2] * inv_z[2]) / area  # noqa: E731
    dx, dy, d0 = plane(a) * ONE, plane(b) * ONE, plane(c)
    row_depth = dx[tri] * first + dy[tri] * py + d0[tri]
    row_pixel = (image[tri] * height + py) * width + first
    row, offset = expand(length)
    tri = tri[row]
    depth = row_depth[row] + dx[tri] * offset
    index_bits = max(1, x.shape[1].bit_length())
    scale = 2.0 ** (WORD_BITS - index_bits)  # 1/z < 1 after culling at Z_NEAR
    word = (np.rint(np.clip(depth, 0, 1) * scale).astype(np.int64) << index_bits) | tri
    zbuf = np.full(n * height * width, -1, np.int64)
    np.maximum.at(zbuf, row_pixel[row] + offset, word)
    return np.where(zbuf >= 0, zbuf & ((1 << index_bits) - 1), -1)


def lambert(x: np.ndarray, y: np.ndarray, z: np.ndarray, albedo: np.ndarray, light: np.ndarray,
            ambient: np.ndarray) -> np.ndarray:
    """(T, 3) uint8 flat-shaded colour of triangles with corners x, y, z (3, T) camera mm, albedo (T, 3),
    unit light direction (3, T) from the hands toward the light and ambient (T,)."""
    u = x[1] - x[0], y[1] - y[0], z[1] - z[0]
    v = x[2] - x[0], y[2] - y[0], z[2] - z[0]
    normal = u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]
    cosine = (normal[0] * light[0] + normal[1] * light[1] + normal[2] * light[2]) / (
        np.sqrt(normal[0] ** 2 + normal[1] ** 2 + normal[2] ** 2) + 1e-12)
    colour = albedo * (ambient + (1 - ambient) * np.maximum(cosine, 0))[:, None]
    return np.rint(np.clip(colour, 0, 255)).astype(np.uint8)


def render_batch(canvas: np.ndarray, vertices: np.ndarray, faces: np.ndarray, K: np.ndarray,
                 albedo: np.ndarray, light: np.ndarray, ambient: np.ndarray) -> np.ndarray:
    """Draw N meshes onto canvas (N, H, W, 3) uint8 RGB, in place: vertices (N, V, 3) camera mm,
    faces (F, 3) wound outward, intrinsics K (N, 3, 3), albedo (N, F, 3), light (N, 3), ambient (N,).

    Several hands in one image: concatenate their vertices and offset faces, so one depth test covers all.
    """
    x, y = project_fixed(vertices, K)
    # Back faces run clockwise on screen (y down): culled by the sign of their projected area; the
    # reversed corner order below makes the kept ones positive.
    f0, f1, f2 = faces.T
    area = (x[:, f1] - x[:, f0]) * (y[:, f2] - y[:, f0]) - (x[:, f2] - x[:, f0]) * (y[:, f1] - y[:, f0])
    near = vertices[..., 2] > Z_NEAR
    front = (area < 0) & near[:, f0] & near[:, f1] & near[:, f2]
    image, face = np.nonzero(front)
    corner = (faces[face] + (image * vertices.shape[1])[:, None]).T[::-1]  # (3, T) flattened vertex rows
    flat = vertices.reshape(-1, 3).T
    wz = flat[2][corner]
    outward = corner[::-1]  # the faces' own (outward) order, for normals that face the viewer
    winner = rasterise(x.reshape(-1)[corner], y.reshape(-1)[corner], 1.0 / wz, image, canvas.shape[:3])
    light = np.asarray(light, np.float64)
    light = (light / np.linalg.norm(light, axis=1, keepdims=True))[image].T
    colour = lambert(flat[0][outward], flat[1][outward], flat[2][outward], albedo[image, face], light,
                     np.asarray(ambient, np.float64)[image])
    drawn = np.flatnonzero(winner >= 0)
    canvas.reshape(-1, 3)[drawn] = colour[winner[drawn]]
    return canvas


def render_meshes(canvas: np.ndarray, vertices: np.ndarray, faces: np.ndarray, K: np.ndarray,
                  albedo: np.ndarray, light: np.ndarray, ambient: float) -> np.ndarray:
    """Draw one mesh (V, 3) camera mm with faces (F, 3) onto canvas (H, W, 3) uint8 RGB, in place."""
    batch = np.ascontiguousarray(canvas)[None]
    render_batch(batch, vertices[None], faces, K[None], albedo[None], np.asarray(light)[None], np.array([ambient]))
    canvas[...] = batch[0]
    return canvas
