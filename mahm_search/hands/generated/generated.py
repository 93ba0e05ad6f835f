"""The embedded default hand model: a generated, MANO-format right/left hand pair.

No real MANO files ship with this project (their licence forbids it), and nothing may be downloaded
at run time. So the default model is generated: a procedural hand (hand_anatomy, hand_mesh, hand_rig,
pose_prior) written as MANO_RIGHT.npz / MANO_LEFT.npz with MANO's keys, shapes, joint tree and
fingertip vertex indices, which `smplx.MANO` loads exactly like real files. posedirs are zeros (no
pose-corrective blend shapes). The files are generated once into the cache folder; the folder name
carries GENERATOR_VERSION, so changing the generator regenerates them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ...errors import ManoModelError
from ...files import DiskFullError, atomic_write, cache_root
from .hand_anatomy import FINGER_JOINTS, MANO_REST_JOINTS, SHAPE_KNOBS, hand_anatomy
from .hand_mesh import build_hand
from .hand_rig import joint_regressor, skinning_weights
from ..joints import FINGERS, FINGERTIP_VERTICES
from .mirror import mirror_model
from .orient import orient_outward
from .pose_prior import pose_pca

GENERATOR_VERSION = 1
PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 0, 10, 11, 0, 13, 14)


def default_mano_dir() -> Path:
    """The generated model's folder, generating it on first use (atomic: safe with parallel workers)."""
    final = cache_root() / f"mano-generated-v{GENERATOR_VERSION}"
    if (final / "MANO_RIGHT.npz").is_file() and (final / "MANO_LEFT.npz").is_file():
        return final
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".mano-generating-", dir=final.parent))
    except OSError as err:
        raise ManoModelError(f"{final.parent}: cannot create the MANO cache folder ({err}); set MAHM_CACHE_DIR") from None
    try:
        generate_mano_files(tmp)
        os.replace(tmp, final)  # another process may have won the race: then keep theirs
    except (OSError, DiskFullError):
        if not (final / "MANO_RIGHT.npz").is_file():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def generate_mano_files(dst: Path) -> tuple[Path, Path]:
    """Write MANO_RIGHT.npz and MANO_LEFT.npz into `dst`; deterministic."""
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    right = right_hand_arrays()
    paths = []
    for name, arrays in (("MANO_RIGHT.npz", right), ("MANO_LEFT.npz", mirror_model(right))):
        path = dst / name
        atomic_write(path, lambda f: np.savez(f, **arrays))
        paths.append(path)
    return paths[0], paths[1]


def right_hand_arrays() -> dict:
    """All MANO keys of the generated right hand, vertices in MANO's order (fingertips at 745, 317...)."""
    anatomy = hand_anatomy()
    mesh = build_hand(anatomy)
    order = _mano_vertex_order(mesh.tips)  # order[new index] = construction index
    inverse = np.argsort(order)
    vertices = mesh.vertices[order]
    faces = orient_outward(vertices, inverse[mesh.faces])

    # Shape directions: central differences of the whole construction in each knob (unit beta).
    shapedirs = np.zeros((len(order), 3, len(SHAPE_KNOBS)))
    for k in range(len(SHAPE_KNOBS)):
        beta = np.zeros(len(SHAPE_KNOBS))
        beta[k] = 1.0
        plus, minus = build_hand(hand_anatomy(beta)).vertices, build_hand(hand_anatomy(-beta)).vertices
        shapedirs[:, :, k] = ((plus - minus) / 2)[order]

    chain_points = {name: mesh.vertices[mesh.joint_rings[j1]].mean(axis=0) for name, (j1, _, _) in FINGER_JOINTS.items()}
    chains = {name: c.points - c.points[0] + chain_points[name] for name, c in anatomy.fingers.items()}
    regressor = joint_regressor(mesh)[:, order]
    hands_mean, hands_components = pose_pca(MANO_REST_JOINTS)
    return {
        "v_template": vertices,
        "f": faces.astype(np.uint32),
        "weights": skinning_weights(mesh, chains)[order],
        "J_regressor": regressor,
        "J": regressor @ vertices,
        "kintree_table": np.array([PARENTS, list(range(16))], dtype=np.int64),
        "shapedirs": shapedirs,
        "posedirs": np.zeros((len(order), 3, 135)),
        "hands_mean": hands_mean,
        "hands_components": hands_components,
    }


def _mano_vertex_order(tips: dict) -> np.ndarray:
    """Construction order -> MANO order: fingertips at MANO's indices, every other vertex in turn."""
    n = 778
    wanted = {FINGERTIP_VERTICES[FINGERS.index(name)]: tips[name] for name in FINGERS}
    rest = iter(i for i in range(n) if i not in set(wanted.values()))
    return np.array([wanted[new] if new in wanted else next(rest) for new in range(n)])
