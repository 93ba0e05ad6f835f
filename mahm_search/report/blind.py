"""The blind baseline in the report: the value each figure draws as its chance line, the table of every
configuration's skill against it, and report.md's section with the verdict in plain words.

The blind baseline (train/blind/blind.py) is the training set's mean hand scored on the trials' own
validation set; each trial records it (study/record.py `blind`). The verdicts and their wording are
search/blind_check.py's, the ones `status` and the end-of-run summary print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pandas as pd

from ..search.blind_check import (NOT_RECORDED, AgainstBlind, against_blind, baseline_text, trial_blind,
                                  verdict_lines)
from .records.records import StudyTrial
from .tables import DASH, in_table_order

CHANCE_TEXT = "blind: mean hand"  # the chance line's label in every figure


@dataclass
class BlindValue:
    """One data configuration's blind value of the study's objective, as a figure draws it."""

    value: float  # mm
    trials: int  # how many trials recorded it

    @property
    def label(self) -> str:
        return f"{CHANCE_TEXT}, {self.value:.2f} mm"


def blind_values(records: list[StudyTrial]) -> list[BlindValue]:
    """The distinct blind values (to 0.01 mm) the trials recorded, most trials first: one for a study on
    one data configuration; none for trials from before the baseline was recorded."""
    counts: dict[float, int] = {}
    for r in records:
        value = ((r.record.blind or {}).get("metrics") or {}).get("score")
        if value is not None:
            counts[round(float(value), 2)] = counts.get(round(float(value), 2), 0) + 1
    return [BlindValue(v, n) for v, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def _members(trials: list[StudyTrial]) -> list:
    return [(t.final, t.record) for t in trials if t.state == "COMPLETE" and t.final is not None]


def best_against_blind(best: pd.DataFrame, maximize: bool) -> tuple[Optional[AgainstBlind], Optional[AgainstBlind]]:
    """The best configuration (the Best table's first row) against blind: (score, PA-MPJPE)."""
    if not len(best):
        return None, None
    members = _members(best.iloc[0]["_members"])
    return against_blind(members, "score", maximize), against_blind(members, "pa_mpjpe")


def blind_sentences(best: pd.DataFrame, maximize: bool, metric: str) -> list[str]:
    """The verdict sentences (findings, the top of report.md): 'warning: no configuration is shown
    better than predicting the average hand (...)', or the evidence that it is; [] before any trial
    completed."""
    if not len(best):
        return []
    score, pa = best_against_blind(best, maximize)
    return verdict_lines(score, pa, metric)


def _cell(c: Optional[AgainstBlind], what: str) -> str:
    if c is None:
        return DASH
    if what == "value":
        return f"{c.value:.2f}"
    if what == "skill":
        return f"{c.skill:.2f}"
    if what == "ci":
        return f"[{c.skill_ci[0]:.2f}, {c.skill_ci[1]:.2f}]" if c.skill_ci is not None else DASH
    return "yes" if c.shown else "not shown"


def skill_frame(best: pd.DataFrame, maximize: bool) -> pd.DataFrame:
    """Per configuration (the Best table's rows, in the report's order): its score and skill with the
    skill's 95% CI, whether it is shown better than blind, and the same for PA-MPJPE."""
    rows = []
    for _, row in in_table_order(best).iterrows():
        members = _members(row["_members"])
        score, pa = against_blind(members, "score", maximize), against_blind(members, "pa_mpjpe")
        rows.append({"configuration": row["configuration"], "n": row["n"],
                     "score (mm)": _cell(score, "value"), "skill": _cell(score, "skill"),
                     "skill 95% CI": _cell(score, "ci"), "better than blind": _cell(score, "shown"),
                     "PA-MPJPE (mm)": _cell(pa, "value"), "skill_pa": _cell(pa, "skill"),
                     "skill_pa 95% CI": _cell(pa, "ci"), "PA below blind": _cell(pa, "shown")})
    return pd.DataFrame(rows)


def blind_section(best: pd.DataFrame, records: list[StudyTrial], maximize: bool, metric: str,
                  table) -> list[str]:
    """report.md's 'Against the blind baseline' section; `table` renders a frame (markdown_table)."""
    lines = ["## Against the blind baseline", ""]
    blind = trial_blind([r.record for r in records if r.state == "COMPLETE"])
    if blind is None:
        return lines + [f"_{NOT_RECORDED[0].upper()}{NOT_RECORDED[1:]}._", ""]
    lines += [
        "The blind baseline ignores the image and predicts the training set's mean hand: each hand's mean "
        "root-relative joints and mesh, and the mean offset between the two wrists. It is scored on the "
        "trials' own validation samples by the code that scores the trials.", "",
        f"{baseline_text(blind, metric)[0].upper()}{baseline_text(blind, metric)[1:]}; the means are over "
        f"{blind.get('n_train', '?')} training samples.", "",
        "Skill = 1 \u2212 score / blind (0: no better than the mean hand, 1: no error), its 95% CI from the "
        "score's CI over seeds; skill_pa is the same for PA-MPJPE, which aligns each hand to the ground truth "
        "first, so it measures the fingers' articulation and not where the hands point. 'Better than blind' "
        "needs the 95% CI over seeds (>= 2 seeds) to exclude the blind value and, where per-sample errors "
        "were kept, a one-sided paired t test over the validation samples at 5%.", ""]
    lines += [f"- {s[0].upper()}{s[1:]}." for s in blind_sentences(best, maximize, metric)] + [""]
    frame = skill_frame(best, maximize)
    if len(frame):
        lines += [table(frame), ""]
    return lines


def blind_warnings(best: pd.DataFrame, maximize: bool, metric: str) -> list[str]:
    """The verdict's warnings for the top of report.md (blockquotes), [] where none applies."""
    out = []
    for sentence in blind_sentences(best, maximize, metric):
        if sentence.startswith("warning: "):
            head, _, rest = sentence[len("warning: "):].partition(" (")
            out += [f"> **Warning: {head}.** ({rest}", ""]
    return out
