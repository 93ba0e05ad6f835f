"""Which MANO model to use: real files (mano.dir or $MAHM_MANO_DIR) or the generated default."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict


class ManoSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Folder holding MANO_RIGHT.npz / MANO_LEFT.npz (converted with `mahm-search mano convert`).
    # None: $MAHM_MANO_DIR if set, else the generated MANO-format model in the cache folder.
    dir: Optional[Path] = None
    # Apply the left-hand shapedirs fix (smplx #48) when the left file needs it.
    fix_left_shapedirs: bool = True
    flat_hand_mean: bool = False
    # Real data (InterHand2.6M) comes with MANO parameters fitted to the real model; the generated
    # stand-in turns them into wrong meshes. Training on it there is refused unless this says so.
    generated: bool = False
