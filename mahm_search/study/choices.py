"""How a categorical choice is stored in Optuna, which keeps only scalars: the one encoding.

A list of scalars, e.g. cascade widths [1024, 512, 256], is stored as '1024-512-256' (readable in
optuna-dashboard and in trials.csv); anything else that is not a scalar is stored as sorted JSON.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional

SCALARS = (type(None), bool, int, float, str)
SEPARATOR = "-"


def encode_choice(value: Any) -> Any:
    """A value Optuna can store: scalars as they are, a list of scalars as '1024-512-256'."""
    if isinstance(value, SCALARS):
        return value
    if isinstance(value, list) and value and all(isinstance(v, (bool, int, float, str)) for v in value):
        return SEPARATOR.join(json.dumps(v) if isinstance(v, bool) else str(v) for v in value)
    return json.dumps(value, sort_keys=True)


def decode_int_list(value: Any) -> Optional[List[int]]:
    """'1024-512-256' -> [1024, 512, 256]; None for anything that is not such an encoded list."""
    if not isinstance(value, str):
        return None
    parts = value.split(SEPARATOR)
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]
