"""PlotSettings: the optional `plots:` section of a study file, validated in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..errors import parse_model

FIGURES = ("curves", "ablation", "history", "importance")


class PlotSettings(BaseModel):
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


def plot_settings(raw: Any, source: str | Path = "<study>") -> PlotSettings:
    """Accept the StudySpec's `plots` as a PlotSettings, another pydantic model, a dict or None."""
    if isinstance(raw, PlotSettings):
        return raw
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(exclude_none=True)
    return parse_model(PlotSettings, raw or {}, source, prefix="plots")
