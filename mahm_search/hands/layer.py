"""TwoHandMANO: both hands' MANO in one batched pass, millimetres and InterHand joint order.

The model data comes from two real `smplx.MANO` layers (right, left). The forward pass runs smplx's
own linear-blend-skinning pieces (`batch_rodrigues`, `batch_rigid_transform`) once over both hands
(B*2 items) instead of calling each layer: smplx's `lbs` takes one template, and the two hands have
different templates. skinning.py holds that pass, with its per-call constants precomputed.
`tests/test_hands_layer.py` and `tests/test_hands_skinning.py` check the result equals `smplx.MANO.forward`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch import nn

from ..errors import ManoModelError
from .joints import FINGERTIP_VERTICES, MANO_TO_INTERHAND
from .model_file import NUM_VERTICES, load_mano_layer
from .shapedirs_fix import fix_left_shapedirs
from .skinning import SKINNING_KEYS, skin, skinning_constants
from .spec import ManoSpec

NUM_BETAS = 10


def resolve_mano_dir(spec: ManoSpec) -> Path:
    """spec.dir, else $MAHM_MANO_DIR, else the generated MANO-format model (built once, cached)."""
    if spec.dir is not None:
        folder, origin = Path(spec.dir), "mano.dir"
    elif os.environ.get("MAHM_MANO_DIR"):
        folder, origin = Path(os.environ["MAHM_MANO_DIR"]), "$MAHM_MANO_DIR"
    else:
        from .generated import default_mano_dir

        return default_mano_dir()
    if not folder.is_dir():
        raise ManoModelError(
            f"{folder}: MANO folder ({origin}) does not exist; expected a folder with "
            "MANO_RIGHT.npz and MANO_LEFT.npz"
        )
    return folder


class TwoHandMANO(nn.Module):
    """pose/shape/trans of both hands -> vertices (B,2,778,3) and joints (B,2,21,3), in mm."""

    num_vertices = NUM_VERTICES

    def __init__(self, spec: ManoSpec = ManoSpec()):
        super().__init__()
        self.folder = resolve_mano_dir(spec)
        right = load_mano_layer(self.folder, is_rhand=True, flat_hand_mean=spec.flat_hand_mean)
        left = load_mano_layer(self.folder, is_rhand=False, flat_hand_mean=spec.flat_hand_mean)
        self.left_shapedirs_fixed = spec.fix_left_shapedirs and fix_left_shapedirs(left.shapedirs, right.shapedirs)

        parents = right.parents.tolist()
        if left.parents.tolist() != parents:
            raise ManoModelError(f"{self.folder}: MANO_LEFT and MANO_RIGHT have different kintree_table")
        # Python ints, not a tensor or numpy array: indexing with them keeps FakeTensorMode (memory
        # estimation) working, and torch.compile reads no tensor values (no host sync, no graph break).
        self.parents = tuple(int(p) for p in parents)

        def both(name: str) -> torch.Tensor:
            return torch.stack([getattr(right, name), getattr(left, name)])

        self.register_buffer("v_template", both("v_template"))  # (2,V,3) metres
        self.register_buffer("shapedirs", both("shapedirs")[..., :NUM_BETAS].contiguous())  # (2,V,3,10)
        self.register_buffer("posedirs", both("posedirs"))  # (2,135,V*3)
        self.register_buffer("J_regressor", both("J_regressor"))  # (2,16,V)
        self.register_buffer("lbs_weights", both("lbs_weights"))  # (2,V,16)
        self.register_buffer("pose_mean", both("hand_mean"))  # (2,45): zeros when flat_hand_mean
        components = [torch.as_tensor(np.asarray(m.np_hand_components), dtype=torch.float32) for m in (right, left)]
        self.register_buffer("hands_components", torch.stack(components))  # (2,45,45), rows = components
        self.register_buffer("hands_mean", torch.stack([_file_hands_mean(self.folder, r) for r in (True, False)]))
        faces = [_outward(m.faces_tensor, m.v_template) for m in (right, left)]
        self.register_buffer("faces", torch.stack(faces))  # (2,F,3) long
        self.register_buffer("tip_vertices", torch.tensor(FINGERTIP_VERTICES), persistent=False)
        self.register_buffer("to_interhand", torch.tensor(MANO_TO_INTERHAND), persistent=False)
        self._refresh_skinning_constants()
        # Loading a state_dict may replace the model buffers: derive the constants again from them.
        self.register_load_state_dict_post_hook(lambda module, _keys: module._refresh_skinning_constants())

    def _refresh_skinning_constants(self) -> None:
        """Non-persistent buffers `skin_*` (skinning.py), derived from the persistent model buffers."""
        const = skinning_constants(self.v_template, self.shapedirs, self.posedirs, self.J_regressor,
                                   self.lbs_weights)
        for name, value in const.items():
            self.register_buffer(f"skin_{name}", value, persistent=False)

    def forward(
        self,
        pose: torch.Tensor,
        shape: torch.Tensor,
        trans: Optional[torch.Tensor] = None,
        pca: bool = False,
    ) -> dict:
        """pose (B,2,48) axis-angle, or (B,2,3+n) global + PCA coefficients with pca=True;
        shape (B,2,10); trans (B,2,3) mm. Hand 0 = right, hand 1 = left."""
        dtype = self.v_template.dtype
        pose, shape = pose.to(dtype), shape.to(dtype)
        global_orient, fingers = pose[..., :3], pose[..., 3:]
        if pca:
            n = fingers.shape[-1]
            fingers = torch.einsum("bhn,hnk->bhk", fingers, self.hands_components[:, :n])
        full_pose = torch.cat([global_orient, fingers + self.pose_mean], dim=-1)  # (B,2,48)

        const = {name: getattr(self, f"skin_{name}") for name in SKINNING_KEYS}
        vertices, mano_joints = skin(const, full_pose.transpose(0, 1), shape.transpose(0, 1), self.parents)
        tips = vertices.index_select(3, self.tip_vertices).transpose(2, 3)  # (2,B,5,3)
        joints = torch.cat([mano_joints, tips], dim=2).index_select(2, self.to_interhand).transpose(0, 1).contiguous()
        vertices = vertices.permute(1, 0, 3, 2).contiguous()  # (B,2,V,3)
        if trans is not None:
            offset = trans.to(dtype).unsqueeze(2)
            vertices, joints = vertices + offset, joints + offset
        return {"vertices": vertices, "joints": joints}


def _file_hands_mean(folder: Path, is_rhand: bool) -> torch.Tensor:
    """The file's hands_mean, whatever flat_hand_mean says (smplx zeroes its copy when flat)."""
    from .model_file import mano_file

    with np.load(mano_file(folder, is_rhand)) as data:
        return torch.as_tensor(np.asarray(data["hands_mean"], dtype=np.float32))


def _outward(faces: torch.Tensor, vertices: torch.Tensor) -> torch.Tensor:
    """Faces wound so normals point out of the mesh (positive signed volume).

    Official left-hand files may carry the right hand's winding, which is inward on the mirrored mesh.
    """
    tri = vertices[faces]
    signed_volume = torch.einsum("fi,fi->f", tri[:, 0], torch.cross(tri[:, 1], tri[:, 2], dim=-1)).sum()
    return faces if signed_volume >= 0 else faces[:, [0, 2, 1]]
