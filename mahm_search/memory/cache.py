"""Memory estimates kept on disk, so a config that was estimated once costs nothing the next time.

Repeats of a config, a resumed study, a second worker, Ray trials, and every trial of a search over
knobs that cannot change a step's memory (learning rate, loss weights, schedule, seed) share one
traced step. A trace costs 1-2 s, which on short trials was most of the search's overhead over a
plain `mahm-search train` (benchmarks/README.md, bench_search_overhead.py).

Key: the config without MEMORY_NEUTRAL fields, the device, torch's version and a fingerprint of this
package's source files (any code change traces again). Files: $MAHM_CACHE_DIR/memory-estimates/
<key>.json (else ~/.cache/mahm-search/...), written atomically (files.atomic_write), so parallel workers
can share them. MAHM_MEMORY_CACHE=off turns the cache off (the test suite does, to trace every time).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from ..files import DiskFullError, atomic_write, cache_root

CACHE_FORMAT = 1
# Fields that do not enter the traced step (trace.py runs the step on a dummy batch of
# train.batch_size images of arch.input_size): everything else is part of the key.
MEMORY_NEUTRAL = {
    "train": ("steps", "eval_every", "lr", "weight_decay", "warmup_steps", "schedule", "step_milestones",
              "step_gamma", "checkpoint_every", "objective", "seed"),
    "loss": ("weights", "balance_steps", "stage_decay"),
    "data": None,  # the whole section: the trace reads no data (image_size equals arch.input_size)
}


def enabled() -> bool:
    return os.environ.get("MAHM_MEMORY_CACHE", "on").lower() not in ("off", "0", "false", "no")


def memory_key(config_dict: Dict[str, Any], device: str) -> str:
    tree = json.loads(json.dumps(config_dict))
    for section, fields in MEMORY_NEUTRAL.items():
        if fields is None:
            tree.pop(section, None)
        else:
            for field in fields:
                tree.get(section, {}).pop(field, None)
    key = {"config": tree, "device": device, "torch": torch.__version__, "source": _source_fingerprint(),
           "format": CACHE_FORMAT}
    from ..plugins.fingerprint import plugin_fingerprint

    plugins = plugin_fingerprint(config_dict, ("arch", "loss", "train"))  # their source files; loss-term plug-ins by name
    if plugins:
        key["plugins"] = plugins
    text = json.dumps(key, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load(key: str) -> Optional[Dict[str, Any]]:
    try:
        return json.loads((_folder() / f"{key}.json").read_text())
    except (OSError, ValueError):
        return None  # absent, or unreadable: trace again


def store(key: str, record: Dict[str, Any]) -> None:
    try:
        atomic_write(_folder() / f"{key}.json", lambda f: f.write(json.dumps(record).encode()))
    except (OSError, DiskFullError):
        pass  # a read-only cache only costs the next trial a trace


def _folder() -> Path:
    return cache_root() / "memory-estimates"


@functools.lru_cache(maxsize=1)
def _source_fingerprint() -> str:
    """Paths, sizes and modification times of the package's Python files."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()
