"""Which params vary across the trials (the study's factors) and how their values read in labels.

One display name per factor (`short_name`), used by every legend, panel title, axis label, table
and finding: "widths 256-128-256", "with self-attention" / "without self-attention", "lr 0.0012".
A factor whose name does not say what its values mean gets one explanation (`explanation`), shown
once per figure ("widths: channels of each MAHM stage, in order").
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from ..study.choices import decode_int_list
from ..results import is_seed_param
from .records.records import StudyTrial

# The display name of a factor, by the last part of its dotted path (default: that part, "_" -> " ").
SHORT_NAMES = {"self_attention": "self-attention", "cross_attention": "cross-attention",
               "unet_skips": "U-net skips", "cascade_widths": "widths", "balance": "loss balance",
               "attention_heads": "attention heads", "batch_size": "batch size"}
# Older or alternative names that label templates may use for a flag ("self-attn={arch.self_attention}").
ALIASES = {"self_attention": ("self-attn", "self attention", "SA"), "cross_attention": ("cross-attn",),
           "unet_skips": ("unet skips", "skips")}
# What a factor's values mean, where the name alone does not say (axis labels, legend titles).
EXPLANATIONS = {"cascade_widths": "channels of each MAHM stage, in order",
                "lr": "learning rate", "weight_decay": "AdamW weight decay"}


def varied_factors(records: Iterable[StudyTrial]) -> list[str]:
    """Params (dotted config paths) taking more than one value across the trials, seeds excluded."""
    seen: dict[str, set] = {}
    for r in records:
        for name, value in r.params.items():
            if not is_seed_param(name):
                seen.setdefault(name, set()).add(repr(value))
    return [name for name, values in seen.items() if len(values) > 1]


def _last(factor: str) -> str:
    return factor.split(".")[-1]


def short_name(factor: str) -> str:
    """The factor's one display name: 'arch.cascade_widths' -> 'widths'."""
    last = _last(factor)
    return SHORT_NAMES.get(last, last.replace("_", " "))


def explanation(factor: str) -> Optional[str]:
    return EXPLANATIONS.get(_last(factor))


def axis_label(factor: str) -> str:
    """An ablation panel's x label: 'widths (channels of each MAHM stage, in order)'."""
    note = explanation(factor)
    return f"{short_name(factor)} ({note})" if note else f"{short_name(factor)} ({factor})"


def factor_notes(factors: Iterable[str]) -> list[str]:
    """'widths: channels of each MAHM stage, in order' for each factor that needs explaining."""
    return [f"{short_name(f)}: {explanation(f)}" for f in dict.fromkeys(factors) if explanation(f)]


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"  # legends and tables: 0.0012, not 0.00120195
    return str(value)


def level_label(factor: str, value: Any) -> str:
    """How one factor's value reads in a label: 'with self-attention', 'widths 256-128-256'."""
    if isinstance(value, bool):
        return f"{'with' if value else 'without'} {short_name(factor)}"
    return f"{short_name(factor)} {format_value(value)}"


def level_tick(factor: str, value: Any) -> str:
    """A level under its factor's axis (the axis names the factor): '256-128-256', 'with self-attention'."""
    return level_label(factor, value) if isinstance(value, bool) else format_value(value)


_FIELD = re.compile(r"\{([^{}]+)\}")


def template_fields(template: Optional[str]) -> set[str]:
    """The config paths a label template names ('{arch.cascade_widths}' -> {'arch.cascade_widths'})."""
    return set(_FIELD.findall(template or ""))


def _names_of(factor: str) -> list[str]:
    last = _last(factor)
    names = {short_name(factor), last, last.replace("_", " "), last.replace("_", "-"), *ALIASES.get(last, ())}
    return sorted(names, key=len, reverse=True)


def _fill_flags(template: str, params: dict) -> str:
    """A yes/no field reads 'with X' / 'without X', taking the factor's name written before it along:
    'self-attention {arch.self_attention}' -> 'with self-attention', not 'self-attention True'."""
    for key in template_fields(template):
        if not isinstance(params.get(key), bool):
            continue
        names = "|".join(re.escape(n) for n in _names_of(key))
        pattern = re.compile(rf"(?:(?<![\w-])(?:{names})\s*[=:]?\s*)?\{{{re.escape(key)}\}}", re.IGNORECASE)
        template = pattern.sub(lambda m: level_label(key, params[key]), template)
    return template


def curve_label(params: dict, factors: list[str], template: Optional[str] = None, number: Optional[int] = None) -> str:
    """'{arch.cascade_widths}, self-attn={arch.self_attention}'-style template, or the varied factors.

    A varied factor the template does not name is appended in brackets ('widths 64 (lr 0.0012)'):
    two configurations that differ in it must not read as if they differed only in the template's
    factors."""
    if template:
        def fill(m: re.Match) -> str:
            key = m.group(1)
            if key == "number":
                return str(number)
            return format_value(params[key]) if key in params else "?"
        text = _FIELD.sub(fill, _fill_flags(template, params))
        shown = template_fields(template)
        rest = [level_label(f, params[f]) for f in factors if f not in shown and f in params]
        return f"{text} ({', '.join(rest)})" if rest else text
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
