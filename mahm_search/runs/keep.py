"""`checkpoints: {keep: best | last | none}`: what a finished trial's run folder keeps.

A running trial needs checkpoint.pt to resume, so this runs only once a trial has ended for good
(COMPLETE, PRUNED, or FAIL with an error: nothing resumes those). Without it a 200-trial study keeps
a full checkpoint with optimizer state per trial (about 375 MB each for resnet50).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

from ..train.checkpoint import BEST_NAME, CHECKPOINT_NAME

KEEP_CHOICES = ("best", "last", "none")
_KEPT = {"best": BEST_NAME, "last": CHECKPOINT_NAME, "none": None}


def keep_checkpoints(run_dir: Path, keep: str) -> Optional[Path]:
    """Delete the checkpoints `keep` does not name; the one left (resolved), or None when there is none.
    A file that cannot be deleted is left, with a warning: the trial's outcome stands."""
    if keep not in _KEPT:
        raise ValueError(f"keep: expected one of {KEEP_CHOICES}, got {keep!r}")
    run_dir = Path(run_dir)
    kept = _KEPT[keep]
    for name in (BEST_NAME, CHECKPOINT_NAME):
        if name != kept:
            try:
                (run_dir / name).unlink(missing_ok=True)
            except OSError as err:
                warnings.warn(f"{run_dir / name}: could not delete it ({err.strerror or err})", stacklevel=2)
    if kept is None or not (run_dir / kept).is_file():
        return None
    return (run_dir / kept).resolve()
