"""The generated hand's surface: a palm tube, four finger tubes and a thumb tube, one closed mesh.

Layout (right hand, metres): the palm is 9 rings of 32 vertices from the wrist to the knuckles; the
wrist end is closed by a fan. At the knuckles the palm ring is exactly the four finger base rings
(8 vertices each, top halves then bottom halves), joined by one "web" quad between neighbouring fingers.
The thumb grows out of a hole cut in the palm's thumb-side wall. Each finger ends in a rounded cap
whose apex is the fingertip vertex. 9*32 + 1 + 4*(12*8+1) + (10*10+1) = 778 vertices, like MANO.
Vertex order here is construction order; `generated.py` moves the fingertips to MANO's indices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .hand_anatomy import FINGER_JOINTS, FINGER_NAMES, Anatomy, Chain

RING = 8  # vertices around a long finger
THUMB_RING = 10  # around the thumb: the hole spans 4 palm quads, 2*(4+1) vertices
PALM_T = (0.0, 0.09, 0.18, 0.28, 0.39, 0.51, 0.64, 0.80, 1.0)  # palm rings, wrist (0) to knuckles (1)
HOLE_RINGS = (1, 5)  # palm rings bordering the thumb hole
PALM_RING = 4 * RING
# Rings along a finger (after its base): (segment, fraction). Ring 4 sits on joint 2, ring 7 on joint 3.
FINGER_STATIONS = [(0, 0.25), (0, 0.5), (0, 0.75), (0, 1.0), (1, 1 / 3), (1, 2 / 3), (1, 1.0)]
THUMB_STATIONS = [(0, 1 / 3), (0, 2 / 3), (0, 1.0), (1, 1 / 3), (1, 2 / 3), (1, 1.0)]
FINGER_TIP = ((0.35, 0.75), (0.0, 40.0, 70.0))  # straight fractions, then cap angles in degrees
THUMB_TIP = ((0.5,), (0.0, 40.0, 70.0))
UP = np.array([0.0, 1.0, 0.0])  # back of the hand


@dataclass
class HandMesh:
    vertices: np.ndarray  # (778,3)
    faces: np.ndarray  # (F,3), not yet oriented
    joint_rings: dict = field(default_factory=dict)  # MANO joint index -> vertex indices averaging to it
    tips: dict = field(default_factory=dict)  # finger name -> fingertip vertex
    # Skinning info: per vertex, (chain name or "palm", arc length from the chain's base joint)
    chain_of: list = field(default_factory=list)
    arc: list = field(default_factory=list)
    palm_vertices: list = field(default_factory=list)  # palm surface (may also follow the thumb)
    thumb_base: np.ndarray | None = None  # centre of the thumb hole


def build_hand(anatomy: Anatomy) -> HandMesh:
    mesh = _Builder(anatomy)
    return mesh.build()


def frame(direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(side, up) perpendicular to `direction`; side points to the thumb for a finger along -x."""
    d = direction / np.linalg.norm(direction)
    up = UP - UP.dot(d) * d
    up /= np.linalg.norm(up)
    return np.cross(up, d), up


def ring_angles(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) * 2 * np.pi / n


class _Builder:
    def __init__(self, anatomy: Anatomy):
        self.a = anatomy
        self.v: list[np.ndarray] = []
        self.f: list[tuple[int, int, int]] = []
        self.mesh = HandMesh(vertices=None, faces=None)

    def add(self, p: np.ndarray, chain: str, arc: float) -> int:
        self.v.append(np.asarray(p, dtype=float))
        self.mesh.chain_of.append(chain)
        self.mesh.arc.append(float(arc))
        return len(self.v) - 1

    def quad(self, a: int, b: int, c: int, d: int) -> None:
        self.f += [(a, b, c), (a, c, d)]

    def tube(self, ring_a: list[int], ring_b: list[int]) -> None:
        n = len(ring_a)
        for k in range(n):
            self.quad(ring_a[k], ring_a[(k + 1) % n], ring_b[(k + 1) % n], ring_b[k])

    def cap(self, ring: list[int], apex: int) -> None:
        n = len(ring)
        for k in range(n):
            self.f.append((ring[k], ring[(k + 1) % n], apex))

    def build(self) -> HandMesh:
        palm = self.palm()
        for f, name in enumerate(FINGER_NAMES):
            base = [palm[-1][self.palm_index(f, k)] for k in range(RING)]
            self.finger(name, base)
        for f in range(3):  # web between finger f and f+1
            last = palm[-1]
            self.quad(last[self.palm_index(f, 3)], last[self.palm_index(f + 1, 0)],
                      last[self.palm_index(f + 1, 7)], last[self.palm_index(f, 4)])
        r0, r1 = HOLE_RINGS
        hole = [palm[r][0] for r in range(r0, r1 + 1)] + [palm[r][PALM_RING - 1] for r in range(r1, r0 - 1, -1)]
        self.thumb(hole)
        self.mesh.vertices = np.array(self.v)
        self.mesh.faces = np.array(self.f, dtype=np.int64)
        return self.mesh

    @staticmethod
    def palm_index(f: int, k: int) -> int:
        """Finger f's ring vertex k (angle (k+.5)*45 deg) in the palm ring: tops f=0..3, then bottoms back."""
        return 4 * f + k if k < 4 else 16 + 4 * (3 - f) + (k - 4)

    def base_ring(self, name: str) -> np.ndarray:
        c = self.a.fingers[name]
        side, up = frame(c.points[1] - c.points[0])
        th = ring_angles(RING)
        a, b = c.radii[0]
        return c.points[0] + a * np.cos(th)[:, None] * side + b * np.sin(th)[:, None] * up

    def palm(self) -> list[list[int]]:
        knuckles = np.zeros((PALM_RING, 3))
        for f, name in enumerate(FINGER_NAMES):
            ring = self.base_ring(name)
            for k in range(RING):
                knuckles[self.palm_index(f, k)] = ring[k]
        zc_k = (knuckles[:, 2].max() + knuckles[:, 2].min()) / 2
        hw_k = (knuckles[:, 2].max() - knuckles[:, 2].min()) / 2
        w = self.a.wrist
        zc_w = (w[2] + zc_k) / 2
        zn = (knuckles[:, 2] - zc_k) / hw_k  # -1 (pinky side) .. 1 (thumb side)
        roundness = 0.7 + 0.3 * np.sqrt(np.clip(1 - zn**2, 0, 1))
        top = np.arange(PALM_RING) < 16
        wrist_ring = np.stack([
            np.full(PALM_RING, w[0]),
            w[1] + np.where(top, self.a.dorsal, -self.a.palmar) * roundness,
            zc_w + zn * self.a.wrist_half_width,
        ], axis=1)
        rings = []
        # Each palm column follows its finger near the knuckles: arc = distance before the base joint.
        column = [FINGER_NAMES[j // 4] if j < 16 else FINGER_NAMES[3 - (j - 16) // 4] for j in range(PALM_RING)]
        for r, t in enumerate(PALM_T):
            pts = wrist_ring + (knuckles - wrist_ring) * t
            pts[~top, 1] -= self.a.palmar_pad * np.sin(np.pi * t) * roundness[~top]
            ring = []
            for p, name in zip(pts, column):
                c = self.a.fingers[name]
                d = (c.points[1] - c.points[0]) / np.linalg.norm(c.points[1] - c.points[0])
                ring.append(self.add(p, name, min(0.0, float((p - c.points[0]) @ d))))
            rings.append(ring)
        center = self.add(wrist_ring.mean(axis=0), "wrist", 0.0)
        self.mesh.palm_vertices = [i for ring in rings for i in ring] + [center]
        for r in range(len(PALM_T) - 1):
            for j in range(PALM_RING):
                if j == PALM_RING - 1 and HOLE_RINGS[0] <= r < HOLE_RINGS[1]:
                    continue  # the thumb hole
                self.quad(rings[r][j], rings[r][(j + 1) % PALM_RING], rings[r + 1][(j + 1) % PALM_RING], rings[r + 1][j])
        self.cap(rings[0][::-1], center)
        self.mesh.joint_rings[0] = rings[0]
        return rings

    def finger(self, name: str, base: list[int]) -> None:
        c = self.a.fingers[name]
        j1, j2, j3 = FINGER_JOINTS[name]
        self.mesh.joint_rings[j1] = base
        th = ring_angles(RING)
        rings = [base]
        for i, (center, d, (a, b), arc) in enumerate(_stations(c, FINGER_STATIONS, FINGER_TIP)):
            side, up = frame(d)
            pts = center + a * np.cos(th)[:, None] * side + b * np.sin(th)[:, None] * up
            rings.append([self.add(p, name, arc) for p in pts])
            self.tube(rings[-2], rings[-1])
        self.mesh.joint_rings[j2] = rings[4]
        self.mesh.joint_rings[j3] = rings[7]
        apex = self.add(c.points[3], name, _arc_lengths(c.points)[3])
        self.cap(rings[-1], apex)
        self.mesh.tips[name] = apex

    def thumb(self, hole: list[int]) -> None:
        c0 = self.a.fingers["thumb"]
        hole_pts = np.array([self.v[i] for i in hole])
        center0 = hole_pts.mean(axis=0)
        # The thumb grows from the hole's centre with MANO's bone vectors.
        c = Chain(points=c0.points - c0.points[0] + center0, radii=c0.radii)
        j1, j2, j3 = FINGER_JOINTS["thumb"]
        self.mesh.joint_rings[j1] = hole
        self.mesh.thumb_base = center0
        for i in hole:  # the hole's rim is the thumb's base ring
            self.mesh.chain_of[i], self.mesh.arc[i] = "thumb", 0.0
        side0, up0 = frame(c.points[1] - c.points[0])
        rel = hole_pts - center0
        hole_th = np.unwrap(np.arctan2(rel @ up0, rel @ side0))
        sign = 1.0 if hole_th[-1] > hole_th[0] else -1.0
        steps = sign * 2 * np.pi * np.arange(THUMB_RING) / THUMB_RING
        offset = np.angle(np.mean(np.exp(1j * (hole_th - steps))))
        th = offset + steps  # evenly spaced, in the hole's order, so the tube does not twist
        rings = [hole]
        for i, (center, d, (a, b), arc) in enumerate(_stations(c, THUMB_STATIONS, THUMB_TIP)):
            side, up = frame(d)
            pts = center + a * np.cos(th)[:, None] * side + b * np.sin(th)[:, None] * up
            seg, frac = THUMB_STATIONS[i] if i < len(THUMB_STATIONS) else (2, 1.0)
            if seg == 0:  # blend from the hole's shape into the round thumb
                w = frac * frac * (3 - 2 * frac)
                pts = (1 - w) * (hole_pts + center - center0) + w * pts
            rings.append([self.add(p, "thumb", arc) for p in pts])
            self.tube(rings[-2], rings[-1])
        self.mesh.joint_rings[j2] = rings[3]
        self.mesh.joint_rings[j3] = rings[6]
        apex = self.add(c.points[3], "thumb", _arc_lengths(c.points)[3])
        self.cap(rings[-1], apex)
        self.mesh.tips["thumb"] = apex


def _arc_lengths(points: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])


def _stations(c: Chain, stations, tip) -> list:
    """(centre, direction, (half-width, half-thickness), arc) of each ring after the base ring."""
    p, r = c.points, c.radii
    arcs = _arc_lengths(p)
    dirs = np.diff(p, axis=0)
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    out = []
    for seg, frac in stations:
        d = dirs[seg]
        if frac == 1.0:  # a joint ring: halfway between the two bones, so bent joints do not pinch
            d = dirs[seg] + dirs[seg + 1]
        out.append((p[seg] + frac * (p[seg + 1] - p[seg]), d, r[seg] + frac * (r[seg + 1] - r[seg]),
                    arcs[seg] + frac * (arcs[seg + 1] - arcs[seg])))
    straight, cap_deg = tip
    length = arcs[3] - arcs[2]
    rho = min(r[3][1], 0.5 * length)  # cap depth: the fingertip's half-thickness
    for frac in straight:
        s = frac * (length - rho)
        out.append((p[2] + s * dirs[2], dirs[2], r[2] + (s / length) * (r[3] - r[2]), arcs[2] + s))
    for deg in cap_deg:
        phi = np.radians(deg)
        s = length - rho + rho * np.sin(phi)
        out.append((p[2] + s * dirs[2], dirs[2], r[3] * np.cos(phi), arcs[2] + s))
    return out
