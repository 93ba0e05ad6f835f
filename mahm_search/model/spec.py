"""ArchSpec: every option of a MAHM network in one validated place (timm's create_model idea)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..plugins.kinds import HEADS, RESNETS, backbone_problem
from ..spec_base import Spec


class ArchSpec(Spec):
    model_config = ConfigDict(extra="forbid")

    # resnet18/34/50, timm/<name> (the timm extra), or a plug-in: a registered name or module.path:callable
    backbone: str = "resnet18"
    backbone_args: Dict[str, Any] = Field(default_factory=dict)  # keyword arguments of a plug-in or timm backbone
    # The network after the backbone: 'mahm' (the cascade below), or a plug-in head (docs/interfaces.md)
    head: str = "mahm"
    head_args: Dict[str, Any] = Field(default_factory=dict)
    width_mult: float = Field(1.0, gt=0, le=4)  # channel multiplier, e.g. 0.25 for small CPU runs
    # A local torchvision state_dict file, or 'imagenet': the file named by $MAHM_IMAGENET_<BACKBONE>
    # (e.g. MAHM_IMAGENET_RESNET18), resolved where the model is built. Nothing is downloaded.
    backbone_weights: Optional[Path] = None
    input_size: int = Field(128, ge=32)
    split_dim: int = Field(256, ge=1)  # per-hand image-feature size (report section 2.1)
    # MAHM stage widths, U-net style, e.g. [1024, 512, 256, 128, 256, 512, 1024]
    cascade_widths: List[int] = Field(default_factory=lambda: [512, 256, 512])
    unet_skips: bool = True
    attention_heads: int = Field(4, ge=1)
    cross_attention: bool = True
    self_attention: Union[bool, List[bool]] = False  # one flag, or one per stage
    # aux/feed: Gaussian heatmaps upsampled from the stride-32 map (aux: a loss only; feed: also fed to the
    # stages); integral: 2.5D joints read from the stride-8 map and fed to every stage (joint_head.py)
    heatmap: Literal["none", "aux", "feed", "integral"] = "none"
    heatmap_size: Optional[int] = Field(None, ge=4)
    # axis_angle / rot6d: every MANO rotation; pca: global rotation + the first pca_components of MANO's
    # finger-pose PCA (model/params.py)
    pose_repr: Literal["axis_angle", "rot6d", "pca"] = "axis_angle"
    pca_components: int = Field(12, ge=1, le=45)
    ief_iters: int = Field(3, ge=1)  # HMR iterative error feedback iterations
    dropout: float = Field(0.0, ge=0, lt=1)

    @field_validator("cascade_widths")
    @classmethod
    def _widths_positive(cls, v: List[int]) -> List[int]:
        if not v:
            raise ValueError("must be a non-empty list of positive ints, e.g. [1024, 512, 256, 512, 1024]")
        bad = [w for w in v if w <= 0]
        if bad:
            raise ValueError(f"every width must be a positive int, got {bad}")
        return v

    @field_validator("backbone")
    @classmethod
    def _known_backbone(cls, v: str) -> str:
        problem = backbone_problem(v)
        if problem is not None:
            raise ValueError(problem)
        return v

    @field_validator("head")
    @classmethod
    def _known_head(cls, v: str) -> str:
        return HEADS.validated(v)

    @model_validator(mode="after")
    def _plugin_limits(self):
        # A plug-in or timm backbone gives one feature map: no stride-8 layer for the integral joint head
        if self.backbone not in RESNETS and self.heatmap == "integral":
            raise ValueError(f"heatmap: 'integral' reads a ResNet's stride-8 layer; backbone {self.backbone!r} gives "
                             f"one feature map (expected heatmap none, aux or feed)")
        if self.backbone in RESNETS and self.backbone_args:
            raise ValueError(f"backbone_args: {self.backbone} takes width_mult, not backbone_args (expected {{}})")
        if self.head != "mahm" and self.heatmap != "none":
            raise ValueError(f"heatmap: {self.heatmap!r} configures the MAHM head; head {self.head!r} makes its own "
                             f"outputs (expected heatmap: none)")
        if self.head == "mahm" and self.head_args:
            raise ValueError("head_args: the MAHM head takes the arch fields, not head_args (expected {})")
        return self

    @model_validator(mode="after")
    def _consistent(self):
        if isinstance(self.self_attention, list) and len(self.self_attention) != len(self.cascade_widths):
            raise ValueError(
                f"self_attention: a per-stage list needs {len(self.cascade_widths)} entries "
                f"(one per cascade width), got {len(self.self_attention)}"
            )
        if self.heatmap == "feed" and self.heatmap_size is None:
            raise ValueError("heatmap_size: 'heatmap: feed' needs a heatmap_size (e.g. 32)")
        if self.heatmap == "integral":
            size = 2 * -(-self.input_size // 8)  # the stride-8 map, doubled (joint_head.py)
            if self.heatmap_size not in (None, size):
                raise ValueError(f"heatmap_size: 'heatmap: integral' maps are {size} px at input_size "
                                 f"{self.input_size}; leave heatmap_size out, got {self.heatmap_size}")
            self.heatmap_size = size
        if self.backbone_weights is not None and self.width_mult != 1 and self.backbone in RESNETS:
            raise ValueError(f"backbone_weights: pretrained torchvision weights fit width_mult 1 only (this "
                             f"config: {self.width_mult}); set width_mult: 1 or leave backbone_weights out")
        if self.heatmap == "aux" and self.heatmap_size is None:
            self.heatmap_size = max(8, self.input_size // 4)
        return self

    def self_attention_per_stage(self) -> List[bool]:
        if isinstance(self.self_attention, list):
            return list(self.self_attention)
        return [bool(self.self_attention)] * len(self.cascade_widths)
