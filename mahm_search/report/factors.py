"""Which params vary across the trials (the study's factors) and how their values read in labels."""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from ..search.choices import decode_int_list
from .records import StudyTrial, is_seed_param

# Short names for flags, so a label reads "1024-512-256, self-attn" rather than a dotted path.
SHORT_NAMES = {"self_attention": "self-attn", "cross_attention": "cross-attn", "unet_skips": "U-net skips",
               "cascade_widths": "cascade", "balance": "loss balance"}
# Params whose value is self-explanatory and is shown bare in labels.
BARE_VALUES = {"cascade_widths"}


def varied_factors(records: Iterable[StudyTrial]) -> list[str]:
    """Params (dotted config paths) taking more than one value across the trials, seeds excluded."""
    seen: dict[str, set] = {}
    for r in records:
        for name, value in r.params.items():
            if not is_seed_param(name):
                seen.setdefault(name, set()).add(repr(value))
    return [name for name, values in seen.items() if len(values) > 1]


def short_name(factor: str) -> str:
    last = factor.split(".")[-1]
    return SHORT_NAMES.get(last, last.replace("_", " "))


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"  # legends and tables: 0.0012, not 0.00120195
    return str(value)


def level_label(factor: str, value: Any) -> str:
    """How one factor's value reads inside a curve label."""
    last = factor.split(".")[-1]
    if isinstance(value, bool):
        return short_name(factor) if value else f"no {short_name(factor)}"
    if last in BARE_VALUES:
        return format_value(value)
    return f"{short_name(factor)}={format_value(value)}"


_FIELD = re.compile(r"\{([^{}]+)\}")


def template_fields(template: Optional[str]) -> set[str]:
    """The config paths a label template names ('{arch.cascade_widths}' -> {'arch.cascade_widths'})."""
    return set(_FIELD.findall(template or ""))


def curve_label(params: dict, factors: list[str], template: Optional[str] = None, number: Optional[int] = None) -> str:
    """'{arch.cascade_widths}, self-attn={arch.self_attention}'-style template, or the varied factors."""
    if template:
        def fill(m: re.Match) -> str:
            key = m.group(1)
            if key == "number":
                return str(number)
            return format_value(params[key]) if key in params else "?"
        return _FIELD.sub(fill, template)
    parts = [level_label(f, params[f]) for f in factors if f in params]
    return ", ".join(parts) or (f"trial {number}" if number is not None else "all trials")


def level_sort_key(value: Any) -> tuple:
    """Numbers numerically; '1024-512-256' widths by depth, then total width; other strings as text."""
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, (int, float)):
        return (0, float(value), "")
    widths = decode_int_list(value)
    if widths is None and isinstance(value, str) and value.isdigit():
        widths = [int(value)]  # a one-stage cascade [256] is stored as '256'
    if widths is not None:
        return (1, len(widths) * 1e9 + sum(widths), str(value))
    return (2, 0.0, str(value))
