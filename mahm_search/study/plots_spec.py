"""PlotsSpec: the optional `plots:` section of a study file, which report/ draws by."""

from __future__ import annotations

from typing import List, Literal, Optional

from pydantic import ConfigDict, Field, field_validator

from ..spec_base import Spec

from ..config import is_config_path

FIGURES = ("curves", "ablation", "history", "importance")


class PlotsSpec(Spec):
    model_config = ConfigDict(extra="forbid")

    figures: List[Literal["curves", "ablation", "history", "importance"]] = Field(
        default_factory=lambda: list(FIGURES))
    # Factors (dotted param paths) that colour and label the curves; default: every param that varies.
    group_by: Optional[List[str]] = None
    # e.g. "{arch.cascade_widths}, self-attn={arch.self_attention}"; {number} is the trial number.
    label: Optional[str] = None
    top_k: Optional[int] = Field(None, ge=1)  # draw only the k best configurations
    smoothing: float = Field(0.0, ge=0, lt=1)  # EMA weight of the previous value; 0 = raw
    band: Literal["minmax", "std"] = "minmax"  # spread over repeats around the mean line
    ablation_metric: Literal["final", "best"] = "final"

    @field_validator("group_by")
    @classmethod
    def _config_paths(cls, v):
        bad = [p for p in v or [] if not is_config_path(p)]
        if bad:
            raise ValueError(f"expected dotted TrialConfig paths, not {bad}")
        return v
