"""What data a run trains and validates on. Both sources yield the one sample dict of data/sample.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import ConfigDict, Field, field_validator, model_validator

from ..plugins.kinds import DATASETS
from ..spec_base import Spec


class CropSpec(Spec):
    """The report's 'cropping' (section 2.4); `enabled: false` ablates it (the whole frame is resized)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    scale: float = Field(1.3, gt=0)  # crop side = scale * max side of both hands' box
    # Training-time augmentation (never applied to validation):
    jitter: float = Field(0.0, ge=0)  # centre shift, fraction of the crop side
    rotation_deg: float = Field(0.0, ge=0)  # uniform in [-r, r]
    scale_aug: float = Field(0.0, ge=0, lt=1)  # crop side scaled by uniform [1-s, 1+s]


class SyntheticSpec(Spec):
    model_config = ConfigDict(extra="forbid")

    n_train: int = Field(512, ge=1)
    n_val: int = Field(64, ge=1)
    seed: int = 0
    # 'glove' (the default): each finger its own colour, lighter toward the tip (data/glove.py), so the
    # fingers stand out at 64-128 px (benchmarks/README.md "Learnability" measures what it changes).
    # 'skin': one skin tone, the harder setting.
    appearance: Literal["skin", "glove"] = "glove"
    # Finger-pose spread along the PCA components (data/synthetic_scene.py): 'natural' follows the pose
    # prior, 'wide' blows the minor components up (harder: the fine articulation that is hard to see).
    pose_spread: Literal["natural", "wide"] = "natural"
    texture: bool = False
    clutter: bool = False
    # Shards of rendered samples are cached here; None: the user cache folder (see data/cache.py).
    cache_dir: Optional[Path] = None
    cache: bool = True


class InterHandSpec(Spec):
    model_config = ConfigDict(extra="forbid")

    root: Path  # folder holding images/ and annotations/
    train_split: Literal["train", "val", "test"] = "train"
    val_split: Literal["train", "val", "test"] = "val"
    captures: Optional[List[int]] = None  # None: all captures
    fraction: float = Field(1.0, gt=0, le=1)  # keep this fraction of frames (deterministic)
    stride: int = Field(1, ge=1)  # keep every stride-th frame
    hand_type: Literal["interacting", "single", "all"] = "interacting"
    max_train: Optional[int] = Field(None, ge=1)
    max_val: Optional[int] = Field(None, ge=1)


class DataSpec(Spec):
    model_config = ConfigDict(extra="forbid")

    # synthetic, interhand, or a plug-in dataset: a registered name or module.path:callable (docs/interfaces.md)
    source: str = "synthetic"
    args: Dict[str, Any] = Field(default_factory=dict)  # keyword arguments of a plug-in dataset
    # Side of the square network input, pixels. None: arch.input_size (filled in by TrialConfig).
    image_size: Optional[int] = Field(None, ge=32)
    synthetic: SyntheticSpec = SyntheticSpec()
    interhand: Optional[InterHandSpec] = None
    crop: CropSpec = CropSpec()
    # DataLoader worker processes. 'auto': on CUDA the trial's CPU cores but one (at most 16), on the
    # CPU none (the step uses every core). Batches are the same for any count (train/batches.py).
    num_workers: Union[Literal["auto"], int] = "auto"

    @field_validator("num_workers", mode="before")
    @classmethod
    def _num_workers(cls, v):
        if v == "auto" or (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
            return v
        raise ValueError("expected 'auto' or a whole number >= 0 of DataLoader worker processes")

    @field_validator("source")
    @classmethod
    def _known_source(cls, v: str) -> str:
        return DATASETS.validated(v)

    @model_validator(mode="after")
    def _interhand_needs_root(self):
        if self.source in DATASETS.builtin and self.args:
            raise ValueError(f"args: the {self.source} source has its own section (expected args: {{}})")
        if self.source == "interhand" and self.interhand is None:
            raise ValueError("source 'interhand' needs an 'interhand' section with at least 'root'")
        return self
