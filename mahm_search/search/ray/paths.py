"""Where a study's Ray Tune experiments live: <study folder>/<name>_ray/run_NNN by default, or
<ray.storage_path>/<name>_ray/run_NNN when the study sets `ray.storage_path` (a folder that every
node of a multi-host cluster mounts at the same path; relative paths are relative to the study file)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional


def storage_path(spec) -> Optional[str]:
    """The study's `ray.storage_path` (RaySpec keeps extra keys), or None."""
    value = getattr(spec.ray, "storage_path", None)
    return str(value) if value else None


def experiments_dir(spec) -> Path:
    custom = storage_path(spec)
    root = spec.folder if custom is None else Path(custom).expanduser()
    if not root.is_absolute():
        root = spec.folder / root
    return root / f"{spec.name}_ray"
