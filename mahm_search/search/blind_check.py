"""The best configuration against the blind baseline (train/blind/blind.py: the training set's mean hand, scored
on the same validation set): is it shown better than predicting the average hand, and is its PA-MPJPE
shown below the mean pose's? One rule, and one wording, for `status`, the end-of-run summary and
report.md.

"Shown better" needs every noise that can be measured to leave the blind value out: over seeds, the
configuration's 95% t interval (>= 2 seeds that spread) lies on the better side of it; over validation
samples, a one-sided paired t test of its per-sample errors (the mean over its seeds) against the
blind's on the same samples gives p < 5%. With neither measurable (one seed, no per-sample errors)
nothing is shown. Skill = 1 - value / blind (0: no better than the mean hand, 1: no error), with the
interval 1 - interval / blind; skill_pa the same for PA-MPJPE, which tells whether the fingers'
articulation was learned or only where the hands point.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Optional, Sequence

import numpy as np
from scipy import stats

from ..results import mean_ci
from ..study.record import TrialRecord

ALPHA = 0.05  # one-sided level of the paired test
NOT_RECORDED = "blind baseline: not recorded (trials from an older version)"
NOT_BETTER = "no configuration is shown better than predicting the average hand"
NOT_ARTICULATED = "articulation not shown learned: PA-MPJPE is not below the mean pose's"
# which per-sample errors go with a metric: the trial's own, and the blind's, in the record
PER_SAMPLE = {"score": "val_scores", "pa_mpjpe": "val_pa_scores"}


@dataclass
class AgainstBlind:
    metric: str  # "score" (the study's objective) or "pa_mpjpe"
    value: float  # the configuration's mean over its seeds, mm
    blind: float  # the mean hand's value on the same validation set, mm
    n: int  # seeds
    ci: Optional[list]  # 95% t interval over the seeds; None: one seed, or seeds that did not spread
    paired_n: int = 0  # validation samples in the paired test (0: no test)
    paired_p: Optional[float] = None  # one-sided p that the configuration is better than blind
    maximize: bool = False

    @property
    def ci_beats_blind(self) -> Optional[bool]:
        """Whether the interval over seeds lies on the better side of blind (None: no interval)."""
        if self.ci is None:
            return None
        return self.ci[0] > self.blind if self.maximize else self.ci[1] < self.blind

    @property
    def shown(self) -> bool:
        checks = [c for c in (self.ci_beats_blind, None if self.paired_p is None else self.paired_p < ALPHA)
                  if c is not None]
        return bool(checks) and all(checks)

    @property
    def skill(self) -> float:
        return 1 - self.value / self.blind if self.blind else math.nan

    @property
    def skill_ci(self) -> Optional[list]:
        if self.ci is None or not self.blind:
            return None
        return sorted([1 - self.ci[0] / self.blind, 1 - self.ci[1] / self.blind])

    def as_dict(self) -> dict:
        return {**asdict(self), "shown": self.shown, "skill": self.skill, "skill_ci": self.skill_ci}

    def evidence(self) -> str:
        """Each test and its outcome: 'over its 4 seeds (95% CI below blind) and paired over 128 validation
        samples (one-sided p < 0.001)', or why it is not shown."""
        parts = []
        if self.ci is not None:
            parts.append(f"over its {self.n} seeds (95% CI {'on the better side of' if self.maximize else 'below'} "
                         "blind)" if self.ci_beats_blind else f"its 95% CI over {self.n} seeds does not exclude blind")
        elif self.n > 1:
            parts.append(f"no interval over its {self.n} seeds (they scored the same)")
        if self.paired_p is not None:
            parts.append(f"paired over {self.paired_n} validation samples (one-sided p {p_text(self.paired_p)}"
                         + (")" if self.paired_p < ALPHA else f", not < {ALPHA:g})"))
        if not parts or (self.ci is None and self.paired_p is None):
            parts.append("nothing measures its noise (one seed, no per-sample errors kept)")
        return " and ".join(parts) if self.shown else "; ".join(parts)


def p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else (f"{p:.3f}" if p < 0.1 else f"{p:.2f}")


def trial_blind(records: Sequence[TrialRecord]) -> Optional[dict]:
    """The blind block the trials recorded (the first that has one), or None: older trials."""
    return next((r.blind for r in records if r.blind), None)


def against_blind(members: Sequence[tuple[float, TrialRecord]], metric: str = "score",
                  maximize: bool = False) -> Optional[AgainstBlind]:
    """One configuration's completed trials, (objective value, record) each, against the blind value of
    `metric` ("score": the objective; "pa_mpjpe": from final_metrics). None where the trials recorded no
    blind baseline or no such value."""
    records = [r for _, r in members]
    blind = trial_blind(records)
    if blind is None:
        return None
    base = (blind.get("metrics") or {}).get(metric)
    values = [v if metric == "score" else r.final_metrics.get(metric) for v, r in members]
    values = [float(v) for v in values if v is not None and math.isfinite(v)]
    if base is None or not values:
        return None
    direction = maximize if metric == "score" else False  # PA-MPJPE is an error: lower is better
    n, p = _paired(records, blind, PER_SAMPLE[metric], direction)
    return AgainstBlind(metric=metric, value=float(np.mean(values)), blind=float(base), n=len(values),
                        ci=mean_ci(values).bounds(), paired_n=n, paired_p=p, maximize=direction)


def _paired(records: Sequence[TrialRecord], blind: dict, field: str, maximize: bool) -> tuple[int, Optional[float]]:
    """(samples, one-sided p) of the paired t test, per validation sample, of the seeds' mean error
    against the blind's; (0, None) unless every trial kept per-sample errors on the blind's samples."""
    base = np.array([math.nan if v is None else v for v in blind.get(field) or []], dtype=float)
    rows = [getattr(r, field) for r in records]
    if not len(base) or any(len(row) != len(base) for row in rows):
        return 0, None
    own = np.array([[math.nan if v is None else v for v in row] for row in rows], dtype=float)
    with warnings.catch_warnings():  # a sample no seed scored stays NaN, and is left out below
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(own, axis=0)
    ok = np.isfinite(mean) & np.isfinite(base)
    if ok.sum() < 2:
        return 0, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        test = stats.ttest_rel(mean[ok], base[ok], alternative="greater" if maximize else "less")
    p = float(test.pvalue)
    return int(ok.sum()), (p if math.isfinite(p) else None)


def baseline_text(blind: dict, metric: str) -> str:
    """'blind baseline (the training set's mean hand, on the same 128 validation samples): score 54.49 mm,
    PA-MPJPE 18.90 mm'."""
    metrics = blind.get("metrics") or {}
    parts = [f"{metric} {metrics['score']:.2f} mm"] if "score" in metrics else []
    if "pa_mpjpe" in metrics and metric != "pa_mpjpe":
        parts.append(f"PA-MPJPE {metrics['pa_mpjpe']:.2f} mm")
    where = f"the same {blind['n_val']} validation samples" if blind.get("n_val") else "the same validation set"
    return f"blind baseline (the training set's mean hand, on {where}): {', '.join(parts) or 'no value'}"


def verdict_lines(score: Optional[AgainstBlind], pa: Optional[AgainstBlind], metric: str) -> list[str]:
    """The plain-words sentences: the score's verdict, then PA-MPJPE's (warnings start 'warning: ')."""
    if score is None:
        return [NOT_RECORDED]
    lines = [_score_line(score, metric)]
    if pa is not None and metric != "pa_mpjpe":
        lines.append(_pa_line(pa))
    return lines


def _value(c: AgainstBlind) -> str:
    ci = f" [{c.ci[0]:.2f}, {c.ci[1]:.2f}]" if c.ci is not None else (" (one seed)" if c.n == 1 else "")
    skill_ci = f" [{c.skill_ci[0]:.2f}, {c.skill_ci[1]:.2f}]" if c.skill_ci is not None else ""
    return f"{c.value:.2f} mm{ci}, skill{'_pa' if c.metric == 'pa_mpjpe' else ''} {c.skill:.2f}{skill_ci}"


def _score_line(c: AgainstBlind, metric: str) -> str:
    if c.shown:
        return (f"best configuration: {metric} {_value(c)} vs blind {c.blind:.2f} mm: better than predicting "
                f"the average hand, {c.evidence()}")
    return (f"warning: {NOT_BETTER} (best configuration: {metric} {_value(c)} vs blind {c.blind:.2f} mm; "
            f"{c.evidence()})")


def _pa_line(c: AgainstBlind) -> str:
    if c.shown:
        return (f"articulation learned: PA-MPJPE {_value(c)} vs the mean pose's {c.blind:.2f} mm, below it "
                f"{c.evidence()}")
    return (f"warning: {NOT_ARTICULATED} (best configuration: PA-MPJPE {_value(c)} vs blind {c.blind:.2f} mm; "
            f"{c.evidence()})")


def blind_summary(members: Sequence[tuple[float, TrialRecord]], metric: str, maximize: bool) -> dict[str, Any]:
    """What status (--json) and the summary show: {recorded, baseline (the blind metrics), n_val,
    n_train, best_configuration {score, pa_mpjpe}, lines}; members: the best configuration's trials."""
    blind = trial_blind([r for _, r in members])
    if blind is None:
        return {"recorded": False, "lines": [NOT_RECORDED]}
    score, pa = against_blind(members, "score", maximize), against_blind(members, "pa_mpjpe")
    metrics = blind.get("metrics") or {}
    return {"recorded": True, "baseline": {k: metrics.get(k) for k in ("score", "mpjpe", "mpvpe", "pa_mpjpe", "mrrpe")},
            "n_val": blind.get("n_val"), "n_train": blind.get("n_train"),
            "best_configuration": {"score": score.as_dict() if score else None, "pa_mpjpe": pa.as_dict() if pa else None},
            "lines": [baseline_text(blind, metric), *verdict_lines(score, pa, metric)]}
