"""TwoHandMANO: both hands' MANO in one batched pass, millimetres and InterHand joint order.

The model data comes from two real `smplx.MANO` layers (right, left). The forward pass runs smplx's
linear blend skinning (`lbs`: `batch_rodrigues`, `batch_rigid_transform`, the blend) once over both
hands (B*2 items) instead of calling each layer: smplx's `lbs` takes one template, and the two hands
have different templates. skinning.py holds that pass, rewritten with fewer, larger kernels and its
per-call constants precomputed.
`tests/test_hands_layer.py` and `tests/test_hands_skinning.py` check the result equals `smplx.MANO.forward`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import torch
from torch import nn

from ..errors import ManoModelError
from .joints import FINGERTIP_VERTICES, MANO_TO_INTERHAND
from .kinematics import chain_plan, level_order
from .model_file import NUM_VERTICES, load_mano_layer
from .shapedirs_fix import fix_left_shapedirs
from .skinning import SKINNING_KEYS, skin, skinning_constants
from .spec import ManoSpec

NUM_BETAS = 10


def given_mano_dir(spec: ManoSpec) -> Optional[Tuple[Path, str]]:
    """(folder, where it was named) of real MANO files: spec.dir, else $MAHM_MANO_DIR; None when
    neither names one and the generated stand-in is used."""
    if spec.dir is not None:
        return Path(spec.dir), "mano.dir"
    if os.environ.get("MAHM_MANO_DIR"):
        return Path(os.environ["MAHM_MANO_DIR"]), "$MAHM_MANO_DIR"
    return None


def resolve_mano_dir(spec: ManoSpec) -> Path:
    """spec.dir, else $MAHM_MANO_DIR, else the generated MANO-format model (built once, cached)."""
    given = given_mano_dir(spec)
    if given is None:
        from .generated.generated import default_mano_dir

        return default_mano_dir()
    folder, origin = given
    if not folder.is_dir():
        raise ManoModelError(
            f"{folder}: MANO folder ({origin}) does not exist; expected a folder with "
            "MANO_RIGHT.npz and MANO_LEFT.npz"
        )
    return folder


def _refresh_after_load(module: "TwoHandMANO", _keys) -> None:
    """load_state_dict post-hook; a module-level function, so that the layer pickles (DataLoader workers
    that spawn receive the synthetic dataset, which holds one)."""
    module._refresh_skinning_constants()


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
        self.chain = chain_plan(self.parents)  # slices (views) for MANO's tree: read by torch.compile as constants

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
        # InterHand's 21 joints as columns of [vertices | MANO joints in level order] (skin's outputs)
        order = level_order(self.parents)
        columns = [NUM_VERTICES + order.index(m) if m < len(order) else FINGERTIP_VERTICES[m - len(order)]
                   for m in MANO_TO_INTERHAND]
        self.register_buffer("joint_columns", torch.tensor(columns), persistent=False)
        self._refresh_skinning_constants()
        # Loading a state_dict may replace the model buffers: derive the constants again from them.
        self.register_load_state_dict_post_hook(_refresh_after_load)

    def _refresh_skinning_constants(self) -> None:
        """Non-persistent buffers `skin_*` (skinning.py), derived from the persistent model buffers."""
        const = skinning_constants(self.v_template, self.shapedirs, self.posedirs, self.J_regressor,
                                   self.lbs_weights, self.parents)
        for name, value in const.items():
            self.register_buffer(f"skin_{name}", value, persistent=False)
        # [0, hand mean]: the full pose is one add (global orientation + 0 is exact)
        offset = torch.cat((self.pose_mean.new_zeros(2, 3), self.pose_mean), dim=-1)
        self.register_buffer("skin_pose_offset", offset, persistent=False)

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
        if pca:
            n = pose.shape[-1] - 3
            fingers = torch.einsum("bhn,hnk->bhk", pose[..., 3:], self.hands_components[:, :n])
            full_pose = torch.cat([pose[..., :3], fingers + self.pose_mean], dim=-1)  # (B,2,48)
        else:
            full_pose = pose + self.skin_pose_offset

        const = {name: getattr(self, f"skin_{name}") for name in SKINNING_KEYS}
        vertices, mano_joints = skin(const, full_pose, shape, self.chain)  # (2,B,3,V), (2,B,3,16)
        joints = torch.cat((vertices, mano_joints), dim=-1).index_select(3, self.joint_columns)
        joints = PermuteCopy.apply(joints, (1, 0, 3, 2))  # (B,2,21,3)
        vertices = PermuteCopy.apply(vertices, (1, 0, 3, 2))  # (B,2,V,3)
        if trans is not None:
            offset = trans.to(dtype).unsqueeze(2)
            vertices, joints = vertices + offset, joints + offset
        return {"vertices": vertices, "joints": joints}


class PermuteCopy(torch.autograd.Function):
    """x.permute(dims).contiguous(), whose gradient is made contiguous too. With a plain permute the
    skinning's backward gets a (B,2,V,3) gradient viewed as (2,B,3,V): innermost stride 3, so its
    vertex-sized multiplies and sums run unvectorised and copy again (~3x the blend's backward time)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, dims: Tuple[int, ...]) -> torch.Tensor:
        ctx.dims = dims
        return x.permute(dims).contiguous()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        inverse = tuple(sorted(range(len(ctx.dims)), key=ctx.dims.__getitem__))
        return grad.permute(inverse).contiguous(), None


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
