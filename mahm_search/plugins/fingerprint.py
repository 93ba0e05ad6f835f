"""What identifies the plug-ins a config names, for the caches keyed by config (memory estimates, the
blind baseline): their names and the size and modification time of their source files, so editing a
plug-in invalidates what was computed with it, as editing this package does."""

from __future__ import annotations

import inspect
from importlib import metadata
from typing import Any, Dict, List, Tuple

from .kinds import BACKBONES, DATASETS, HEADS, LOSS_TERMS, METRICS, TIMM_PREFIX


def named_plugins(config: Dict[str, Any]) -> List[Tuple[Any, str]]:
    """(registry, name) of every plug-in a TrialConfig dict names (timm backbones as 'timm/...')."""
    arch, data, loss, train = (config.get(k) or {} for k in ("arch", "data", "loss", "train"))
    out = [(BACKBONES, arch.get("backbone", "resnet18")), (HEADS, arch.get("head", "mahm")),
           (DATASETS, data.get("source", "synthetic"))]
    out += [(LOSS_TERMS, n) for n in (loss.get("weights") or {}) if LOSS_TERMS.problem(n) is None]
    out += [(METRICS, n) for n in [*(train.get("metrics") or []), train.get("objective")]
            if isinstance(n, str) and METRICS.problem(n) is None and n not in METRICS.builtin]
    return [(r, n) for r, n in out if n not in r.builtin]


def plugin_fingerprint(config: Dict[str, Any], sections: Tuple[str, ...] = ("arch", "data", "loss", "train")) -> str:
    """'' when the config names no plug-in (so existing cache keys stay as they were)."""
    parts = []
    for registry, name in named_plugins({k: v for k, v in config.items() if k in sections}):
        if name.startswith(TIMM_PREFIX):
            parts.append(f"{name}@timm{_version('timm')}")
            continue
        try:
            fn = registry.get(name)
            path = inspect.getsourcefile(fn)
            stat = __import__("os").stat(path) if path else None
        except Exception:  # a plug-in that does not load: the caller's own check reports it
            parts.append(f"{name}:?")
            continue
        parts.append(f"{name}:{path}:{stat.st_size}:{stat.st_mtime_ns}" if stat else f"{name}:{fn!r}")
    return ";".join(parts)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"
