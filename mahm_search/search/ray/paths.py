"""Where a study's Ray Tune experiments live: <study folder>/<name>_ray/run_NNN."""

from __future__ import annotations

from pathlib import Path


def experiments_dir(spec) -> Path:
    return spec.folder / f"{spec.name}_ray"
