"""The data behind curves.png: one line per configuration (mean over its repeats), JSON-ready.

A configuration is the set of trials sharing a `config_key` (repeats differ only in the seed). A
configuration with one trial is that trial's curve; with repeats it is the mean at every step plus a
band (min-max or mean +- std). Curves that ended early carry the reason as their end marker. `times`
puts each step on the wall clock (the members' mean seconds per step), for curves_time.png.

Each line carries its colour (one per level of the colouring factor, the same in ablation.png) and
whether it is the leader (best mean final score) and whether compare() resolves that leader
against every other configuration (`is_best`): only then do the figures emphasise it.
"""

from __future__ import annotations

import statistics
from typing import Any, Optional

import pandas as pd

from ..study.plots_spec import PlotsSpec
from ..results import ranked
from .compare import compare, finals, holm_adjust
from .factors import curve_label, level_label, level_sort_key, template_fields
from .records.records import NO_RESCUE, StudyTrial
from .figures.style import NEUTRAL, level_colours, palette

MAX_LINES = 20  # without plots.top_k, draw at most the 20 best configurations (a legend stays readable)


def configurations(records: list[StudyTrial]) -> dict[str, list[StudyTrial]]:
    groups: dict[str, list[StudyTrial]] = {}
    for r in sorted(records, key=lambda r: r.number):
        groups.setdefault(r.config_key, []).append(r)
    return groups


def ranked_keys(groups: dict[str, list[StudyTrial]], maximize: bool) -> list[str]:
    """Best first: the configurations with a completed seed in the results' one ranking (best mean),
    then the unfinished ones by the best score they reported (pruned or running: no final yet)."""
    done = ranked({k: finals(ms) for k, ms in groups.items()}, maximize)
    sign = -1.0 if maximize else 1.0
    seen = {k: [m.best for m in ms if m.best is not None] for k, ms in groups.items() if k not in done}
    rest = sorted(seen, key=lambda k: (0, sign * (max if maximize else min)(seen[k])) if seen[k] else (1, 0.0))
    return done + rest


def leader(groups: dict[str, list[StudyTrial]], maximize: bool) -> tuple[Optional[str], bool]:
    """(the best configuration, whether compare() shows it better than every other group with a
    completed trial: better_than_all). (None, False) with fewer than two such groups. A figure
    crowns a best only when this is resolved; otherwise its leader is just the best mean."""
    order = ranked({k: finals(ms) for k, ms in groups.items()}, maximize)
    if len(order) < 2:
        return None, False
    top = order[0]
    return top, better_than_all(groups[top], [groups[k] for k in order[1:]], maximize)


def better_than_all(top: list[StudyTrial], rivals: list[list[StudyTrial]], maximize: bool,
                    metric: str = "final") -> bool:
    """Whether compare() finds `top` better than every rival, its comparisons Holm-corrected together
    (as the findings correct theirs), so that a figure never crowns what the text calls inconclusive."""
    if not rivals:
        return False
    comparisons = [compare(top, ms, maximize, metric=metric) for ms in rivals]
    holm_adjust(comparisons)
    return all(c.verdict == "A" for c in comparisons)


def colour_factor(factors: list[str], settings: PlotsSpec) -> Optional[str]:
    """The factor whose levels colour every figure: the first of plots.group_by, else the first varied."""
    colour_by = settings.group_by if settings.group_by is not None else factors
    return colour_by[0] if colour_by else None


def colours_of(records: list[StudyTrial], factor: Optional[str]) -> dict[str, str]:
    """repr(level) -> colour for the colouring factor, over every trial (style.level_colours)."""
    if factor is None:
        return {}
    return level_colours(r.params[factor] for r in records if factor in r.params)


def curve_lines(records: list[StudyTrial], factors: list[str], settings: PlotsSpec,
                maximize: bool) -> list[dict[str, Any]]:
    groups = {k: [m for m in ms if m.has_curve] for k, ms in configurations(records).items()}
    groups = {k: ms for k, ms in groups.items() if ms}
    shown = ranked_keys(groups, maximize)[: settings.top_k or MAX_LINES]
    leader_key, resolved = leader(configurations(records), maximize)
    colour_by = settings.group_by if settings.group_by is not None else factors
    label_factors = list(colour_by) + [f for f in factors if f not in colour_by]
    by = colour_factor(factors, settings)
    colours = colours_of(records, by)
    # colour by the first grouping factor (one colour per level, shared with ablation.png); every
    # other searched value (the other grouping factors, then the rest, e.g. lr) changes the line
    # style, so no two lines look alike
    style_keys: dict[str, list[tuple]] = {}
    lines = []
    # level order (the colouring factor's, then the others'), as in ablation.png and the legend's colours
    order = lambda k: tuple(level_sort_key(groups[k][0].params.get(f)) for f in label_factors) + (groups[k][0].number,)
    for key in sorted(shown, key=order):
        members = groups[key]
        params = members[0].params
        colour_key = repr(params.get(by)) if by is not None else ""
        style_key = tuple(repr(params.get(f)) for f in label_factors[1:] if f in params) or (key,)
        styles = style_keys.setdefault(colour_key, [])
        styles += [style_key] if style_key not in styles else []
        line = _mean_line(members, settings)
        colour = colours.get(colour_key) or (palette(1)[0] if by is None else NEUTRAL)
        line.update(
            label=curve_label(params, label_factors, settings.label, members[0].number),
            rescue_note=_rescue_note(members),
            config_key=key, colour=colour, colour_group=list(colours).index(colour_key) if colour_key in colours else 0,
            style_group=styles.index(style_key),
            is_leader=key == leader_key, leader_resolved=key == leader_key and resolved,
            is_best=key == leader_key and resolved,
            smoothed=_ema(line["values"], settings.smoothing),
            params={k: v for k, v in params.items()},
        )
        lines.append(line)
    _disambiguate(lines, factors, settings.label)
    for line in lines:
        line["label"] += line.pop("rescue_note")
    return lines


def _disambiguate(lines: list[dict[str, Any]], factors: list[str], template: Optional[str]) -> None:
    """Lines of different configs must not share a legend entry: where a label template (or the
    grouping) leaves two configs with the same label, name the factors that tell them apart."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line["label"]] = counts.get(line["label"], 0) + 1
    shown = template_fields(template)
    for line in lines:
        if counts[line["label"]] > 1:
            rest = [level_label(f, line["params"][f]) for f in factors if f not in shown and f in line["params"]]
            line["label"] += f" ({', '.join(rest)})" if rest else f" (config {line['config_key'][:6]})"


def _rescue_note(members: list[StudyTrial]) -> str:
    """Say on the legend when a line only fit the memory budget by a rescue (report Figure 2's point:
    such a model finishes instead of dying of memory)."""
    rescues = sorted({str(m.record.rescue) for m in members} - NO_RESCUE)
    return f" (rescued: {'; '.join(rescues)})" if rescues else ""


def _mean_line(members: list[StudyTrial], settings: PlotsSpec) -> dict[str, Any]:
    table = pd.DataFrame({m.number: pd.Series(m.values, index=m.steps) for m in members}).sort_index()
    ended = [{"trial": m.number, "step": m.steps[-1], "value": m.values[-1], "reason": m.end}
             for m in members if m.end]
    reasons = {m.end for m in members}
    line: dict[str, Any] = {
        "trials": [m.number for m in members],
        "states": [m.state for m in members],
        "repeats": len(members),
        "steps": [int(s) for s in table.index],
        "values": [float(v) for v in table.mean(axis=1)],
        "times": _times([int(s) for s in table.index], members),
        "band_low": None, "band_high": None, "band": None,
        # the whole line's end marker: the reason when every member of it ended that way
        "end_marker": next(iter(reasons)) if len(reasons) == 1 else None,
        "end_markers": ended,
    }
    if len(members) > 1:
        if settings.band == "std":
            mean, std = table.mean(axis=1), table.std(axis=1, ddof=0)
            low, high = mean - std, mean + std
        else:
            low, high = table.min(axis=1), table.max(axis=1)
        line.update(band=settings.band, band_low=[float(v) for v in low], band_high=[float(v) for v in high])
    return line


def seconds_per_step(member: StudyTrial) -> Optional[float]:
    """The trial's wall time over its steps (evaluations and any rescue's recomputation included).
    Intermediate evaluations' times are not stored, so time at step s is taken as s x this."""
    wall, steps = member.record.wall_time_s, member.record.steps_done
    return wall / steps if wall and steps else None


def _times(steps: list[int], members: list[StudyTrial]) -> Optional[list[float]]:
    rates = [seconds_per_step(m) for m in members]
    if any(r is None for r in rates):
        return None  # e.g. still running: no wall time recorded yet
    rate = statistics.fmean(rates)
    return [s * rate for s in steps]


def _ema(values: list[float], smoothing: float) -> Optional[list[float]]:
    if not smoothing or len(values) < 2:
        return None
    return [float(v) for v in pd.Series(values).ewm(alpha=1.0 - smoothing, adjust=False).mean()]
