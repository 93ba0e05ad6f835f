"""The report's verdicts: no interval without measured noise, advice that is not post-hoc power,
convergence that counts every seed, Holm's correction over the findings, and the score they compare.
(Audit reproducers: zero-spread intervals, the "would not help" advice, censored seeds, multiplicity.)"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from mahm_search.report.ablation import ablation_table
from mahm_search.report.compare import compare, holm_adjust
from mahm_search.report.convergence import convergence_findings, convergence_rows, convergence_table
from mahm_search.report.findings import findings
from mahm_search.report.records.records import StudyTrial
from mahm_search.results import holm, mean_ci, min_detectable_difference, paired, signed, welch
from mahm_search.report.tables import best_configurations
from mahm_search.study.record import TrialRecord

STEPS = (25, 50, 75, 100)


def trial(number, final, key, steps=(1,), values=None, params=None, wall=None, best=None, val_scores=None):
    rec = TrialRecord(config_key=key, config={"data": {"synthetic": {"n_val": 8}}}, val_scores=list(val_scores or []),
                      wall_time_s=wall, steps_done=steps[-1] if wall else None)
    return StudyTrial(number=number, state="COMPLETE", params=params or {}, steps=list(steps),
                      values=list(values or [final]), final=final, best=final if best is None else best, end=None,
                      config_key=key, record=rec)


def curves(key, x, curves_, start=0, wall=10.0):
    return [trial(start + i, v[-1], key, steps=STEPS, values=v, params={"arch.x": x}, wall=wall)
            for i, v in enumerate(curves_)]


# --- 1. zero spread: no interval, so no verdict, and the text says why

def test_zero_spread_gives_no_interval_and_no_p():
    for iv in (welch([100.0, 100.0], [125.0, 125.0]), mean_ci([100.0, 100.0]),
               paired(np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.5, 2.5]))):
        assert not iv.known and not iv.excludes_zero() and iv.p is None
        assert iv.why_unknown() == "zero spread" and iv.text() == "\u2013"
    one = welch([1.0], [2.0, 3.0])
    assert not one.known and one.why_unknown() == "n=1"
    # one side without spread still gives a real interval (the other side measures the noise)
    assert welch([100.0, 100.0], [120.0, 125.0]).known


def test_identical_seed_scores_are_inconclusive_and_say_zero_spread():
    cmp = compare([trial(0, 10.0, "a"), trial(1, 10.0, "a")], [trial(2, 11.0, "b"), trial(3, 11.0, "b")],
                  maximize=False)
    assert cmp.verdict == "inconclusive" and cmp.p is None
    assert "zero spread" in cmp.describe(False) and "needs >= 2" not in cmp.describe(False)
    assert "noise is unmeasured" in cmp.advice()


def test_convergence_with_equal_steps_on_every_seed_claims_nothing():
    ref = dict(values=[30.0, 22.0, 20.5, 20.0])
    fast = dict(values=[30.0, 19.0, 18.0, 17.0])
    recs = curves("ref", 1, [ref["values"]] * 2) + curves("new", 2, [fast["values"]] * 2, start=10)
    target, rows = convergence_table(recs, ["arch.x"], maximize=False)
    assert not rows[1].steps_vs_ref.known and not rows[1].steps.known
    found = convergence_findings(target, rows)
    assert not any("fewer steps" in s or "less time" in s for s in found)
    assert any("steps to target" in s and "inconclusive" in s and "zero spread" in s for s in found)
    table = convergence_rows(rows)
    assert table[1]["95% CI (steps)"] == "\u2013 (zero spread)"
    assert "no CI: zero spread" in table[1]["vs reference (steps)"]


# --- 2-3. advice: what the seeds run resolves, never "would not help" while the seeds' interval holds 0

def test_no_would_not_help_advice_while_the_seeds_interval_contains_zero():
    cmp = compare([trial(0, 10.0, "a"), trial(1, 11.0, "a")], [trial(2, 12.5, "b"), trial(3, 13.5, "b")],
                  maximize=False)
    assert cmp.verdict == "inconclusive" and cmp.seeds.low < 0 < cmp.seeds.high
    assert "would not obviously help" not in cmp.advice()
    assert "with 2 and 2 seeds this comparison resolves differences >=" in cmp.advice()


def test_would_not_help_only_when_the_seeds_interval_excludes_zero():
    rng = np.random.default_rng(0)
    difficulty = rng.normal(0, 8.0, 40)

    def noisy(number, final, key):  # per-sample noise of 40 mm: the paired interval cannot resolve 0.4 mm
        s = final + difficulty + np.random.default_rng(number).normal(0, 40.0, 40)
        return trial(number, final, key, val_scores=list(s - s.mean() + final))
    a = [noisy(i, f, "a") for i, f in enumerate([45.0, 45.1, 45.05])]
    b = [noisy(10 + i, f, "b") for i, f in enumerate([45.4, 45.5, 45.45])]
    cmp = compare(a, b, maximize=False)
    assert cmp.seeds.high < 0 and cmp.samples.low < 0 < cmp.samples.high and cmp.verdict == "inconclusive"
    assert "more seeds would not obviously help" in cmp.advice() and "already excludes 0" in cmp.advice()


def test_minimum_detectable_difference_not_a_post_hoc_seed_count():
    s = 0.5
    assert min_detectable_difference(s, 4, 4) == pytest.approx(
        (sps.t.ppf(0.975, 6) + sps.t.ppf(0.8, 6)) * s * math.sqrt(0.5))
    assert min_detectable_difference(s, 1, 4) is None and min_detectable_difference(None, 4, 4) is None
    # an inconclusive comparison with a tiny observed difference (the audit's "about 3543 seeds")
    a = [trial(i, f, "a") for i, f in enumerate([48.5, 49.3, 48.9, 48.8])]
    b = [trial(10 + i, f, "b") for i, f in enumerate([48.6, 49.1, 49.2, 48.66])]
    cmp = compare(a, b, maximize=False)
    assert cmp.verdict == "inconclusive"
    advice = cmp.advice()
    assert "with 4 and 4 seeds this comparison resolves differences >= " in advice and "80% power" in advice
    assert not re.search(r"about \d+ seeds", advice)


def test_differences_print_with_two_decimals_and_never_minus_zero():
    assert signed(-1.234) == "-1.23" and signed(0.5) == "+0.50"
    assert signed(-0.004) == "-0.004"  # not 0: more digits rather than "-0.00"
    assert signed(-0.00001) == "0.00" and signed(0.0) == "0.00"
    a = [trial(i, f, "a") for i, f in enumerate([49.0, 51.0, 50.5])]
    b = [trial(10 + i, f, "b") for i, f in enumerate([49.02, 51.0, 50.5])]
    assert compare(a, b, maximize=False).describe(False).startswith("-0.01 mm, 95% CI over seeds [-")


# --- 4. convergence: every completed seed counts; reached a/n in every sentence; possible bounds only

CENSORED_REF = [[30, 24, 21, 19.0], [30, 24, 21, 19.5], [30, 23, 19.9, 21], [30, 24, 21, 19.8],
                [30, 25, 22, 21.0], [30, 25, 22, 20.6], [30, 25, 22, 20.4], [30, 25, 22, 20.5]]
CENSORED_NEW = [[30, 19.0, 24, 26], [30, 19.5, 25, 27], [30, 23, 19.0, 26], [30, 28, 27, 27],
                [30, 29, 28, 28], [30, 27, 28, 29], [30, 27, 28, 28], [30, 27, 28, 28]]


def test_a_configuration_that_mostly_never_reaches_the_target_is_not_called_faster():
    recs = curves("ref", 1, CENSORED_REF) + curves("new", 2, CENSORED_NEW, start=10)
    target, rows = convergence_table(recs, ["arch.x"], maximize=False)
    ref, new = rows
    assert (ref.reached, ref.n, new.reached, new.n) == (4, 8, 3, 8)
    # a seed that never reached the target counts as the budget (100 steps), not dropped
    assert sorted(new._steps) == [50, 50, 75, 100, 100, 100, 100, 100]
    assert new.steps.mean == pytest.approx(np.mean([50, 50, 75, 100, 100, 100, 100, 100]))
    found = convergence_findings(target, rows)
    assert not any("fewer steps" in s or "less time" in s for s in found)
    sentences = [s for s in found if "to target" in s or "reach" in s and "Convergence:" not in s]
    assert sentences and all("reached by 3/8 vs 4/8 seeds" in s for s in sentences)


def test_convergence_verdict_when_every_seed_reached_and_it_is_clear():
    ref = [[30, 25, 21, 19.5], [30, 24, 20.5, 19.0], [30, 25, 19.8, 19.2], [30, 26, 21, 19.6]]
    fast = [[30, 18.0, 17, 16], [20, 18.5, 17, 16], [18, 17.5, 17, 16], [30, 18.2, 17, 16]]
    recs = curves("ref", 1, ref) + curves("fast", 2, fast, start=10)
    target, rows = convergence_table(recs, ["arch.x"], maximize=False)
    assert rows[1].reached == rows[1].n == 4
    found = convergence_findings(target, rows)
    assert any(s.startswith("x 2 reaches the target in fewer steps") or "reaches the target in fewer steps" in s
               for s in found)
    assert any("Holm" in s and "2 comparisons" in s for s in found)


def test_convergence_intervals_stay_within_what_is_possible_and_say_so():
    # 2 seeds that reach at 25 and 100 steps: the t interval of the mean runs far past [0, 100]
    ref = [[30, 25, 22, 21], [30, 26, 22, 21.5]]  # never reach: target = their mean final 21.25
    new = [[21, 20, 20, 20], [30, 25, 24, 21.2]]
    recs = curves("ref", 1, ref) + curves("new", 2, new, start=10)
    target, rows = convergence_table(recs, ["arch.x"], maximize=False)
    new_row = rows[1]
    assert new_row._steps == [25, 100]
    assert 0 <= new_row.steps.low and new_row.steps.high <= 100 and "steps" in new_row.clipped
    assert -100 <= new_row.steps_vs_ref.low and new_row.steps_vs_ref.high <= 100
    assert new_row.seconds.low >= 0
    table = convergence_rows(rows)
    assert table[1]["95% CI (steps)"].endswith("(clipped)")
    assert "steps to target (never reached = 100)" in table[1]


def test_time_sentence_names_the_host_load_and_shows_seconds_per_step():
    ref = [[30, 25, 21, 19.5], [30, 24, 20.5, 19.0], [30, 25, 19.8, 19.2]]
    fast = [[30, 18.0, 17, 16], [20, 18.5, 17, 16], [18, 17.5, 17, 16]]
    recs = curves("ref", 1, ref, wall=10.0) + curves("fast", 2, fast, start=10, wall=30.0)
    recs[1].record.wall_time_s = 12.0  # seconds per step differ between seeds
    target, rows = convergence_table(recs, ["arch.x"], maximize=False)
    time_sentence = next(s for s in convergence_findings(target, rows) if "time" in s.split("(")[0])
    assert "load" in time_sentence and "run order" in time_sentence and "seconds per step" in time_sentence
    assert "reached by 3/3 vs 2/3 seeds" in time_sentence
    table = convergence_rows(rows)
    assert table[1]["s per step (all seeds)"].startswith("0.300")


def test_reference_without_a_curve_is_no_key_error():
    recs = [trial(0, 20.0, "ref", steps=(), values=[], params={"arch.x": 1}),
            trial(1, 19.0, "b", steps=(25, 50), values=[25.0, 19.0], params={"arch.x": 2}),
            trial(2, 18.0, "b", steps=(25, 50), values=[25.0, 18.0], params={"arch.x": 2})]
    recs[0].steps, recs[0].values = [], []
    target, rows = convergence_table(recs, ["arch.x"], maximize=False)
    assert len(rows) == 1 and rows[0].is_reference and target == pytest.approx(18.5)


def test_one_precision_per_convergence_column():
    # times of ~11 s and ~4.7 s: the column must not print "+11.3" next to "+4.67"
    ref = [[30, 25, 21, 19.5], [30, 24, 20.5, 19.0], [30, 25, 19.8, 19.2]]
    b = [[30, 18.0, 17, 16], [20, 18.5, 17, 16], [18, 17.5, 17, 16]]
    c = [[30, 26, 22, 19.0], [30, 26, 19.2, 19.0], [30, 26, 22, 19.1]]
    recs = curves("ref", 1, ref, wall=4.0) + curves("b", 2, b, start=10, wall=20.0) + \
        curves("c", 3, c, start=20, wall=14.0)
    recs[0].record.wall_time_s = 5.0
    target, rows = convergence_table(recs, ["arch.x"], maximize=False)
    table = convergence_rows(rows)
    for column in ("time to target (s)", "95% CI (s)", "vs reference (s)", "s per step (all seeds)"):
        decimals = {len(num.split(".")[1]) for cell in (r[column] for r in table)
                    for num in re.findall(r"-?\d+\.\d+", cell)}
        assert len(decimals) == 1, (column, [r[column] for r in table])


# --- 5. multiplicity: Holm over the findings' comparisons, said in the text; levels are over trials

def test_holm_adjusted_p_values():
    assert holm([0.01, 0.04, 0.03, 0.005, None]) == pytest.approx([0.03, 0.06, 0.06, 0.02, None], nan_ok=True)
    assert holm([]) == [] and holm([None]) == [None]


def _level_records(shifts, seeds=3, pooled=True):
    """Three trials per level of arch.a; pooled: they belong to two configurations (arch.b 0 or 1)."""
    recs, n = [], 0
    for level, shift in enumerate(shifts):
        for s in range(seeds):
            f = 20.0 + shift + (-0.5, 0.0, 0.5)[s]
            b = s % 2 if pooled else 0
            recs.append(StudyTrial(number=n, state="COMPLETE", params={"arch.a": level, "arch.b": b}, steps=[1],
                                   values=[f], final=f, best=f - 1.0 - 0.1 * level * s, end=None,
                                   config_key=f"c{level}{b}", record=TrialRecord(config_key=f"c{level}{b}")))
            n += 1
    return recs


def test_a_comparison_that_does_not_survive_holm_is_inconclusive_and_the_family_is_stated():
    recs = _level_records([0.0, 1.3, 0.0, 0.05])  # level 1: p ~ 0.04 alone; 3 comparisons with level 0
    abl = ablation_table(recs, ["arch.a"], "final", False)
    alone = compare(abl["arch.a"][1]["members"], abl["arch.a"][0]["members"], False)
    assert alone.verdict != "inconclusive" and 0.01 < alone.p < 0.05
    out = findings(recs, abl, pd.DataFrame(), maximize=False)
    line = next(s for s in out if s.startswith("a 1 vs a 0"))
    assert "inconclusive" in line and "does not survive the correction for the 3 comparisons" in line
    assert "95% CI over trials" in line and "over seeds" not in line and "all other factors pooled" in line
    assert any("3 score comparisons" in s and "Holm" in s for s in out)


def test_a_level_that_is_one_configuration_is_compared_over_seeds():
    recs = _level_records([0.0, 1.3], pooled=False)
    out = findings(recs, ablation_table(recs, ["arch.a"], "final", False), pd.DataFrame(), maximize=False)
    line = next(s for s in out if "a 1 minus a 0" in s)
    assert "95% CI over seeds" in line and "pooled" not in line


def test_null_study_rarely_states_a_winner():
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(40):
        recs, n = [], 0
        for a in (1, 2, 3):
            for b in (1, 2, 3):
                for _ in range(3):
                    f = float(rng.normal(20, 1))
                    recs.append(StudyTrial(number=n, state="COMPLETE", params={"arch.a": a, "arch.b": b},
                                           steps=[1], values=[f], final=f, best=f, end=None, config_key=f"{a}{b}",
                                           record=TrialRecord(config_key=f"{a}{b}")))
                    n += 1
        factors = ["arch.a", "arch.b"]
        out = findings(recs, ablation_table(recs, factors, "final", False), best_configurations(recs, factors, False),
                       False)
        hits += any(" is better than " in s for s in out)
    assert hits <= 2  # uncorrected: about 1 study in 4 (9 of these 40) stated a winner


def test_holm_adjust_keeps_a_clear_verdict():
    a = [trial(i, f, "a") for i, f in enumerate([45.0, 45.5, 44.8])]
    b = [trial(10 + i, f, "b") for i, f in enumerate([50.0, 50.3, 49.6])]
    cmps = [compare(a, b, False), compare(a, a, False)]
    assert holm_adjust(cmps) == 2 and cmps[0].verdict == "A" and cmps[0].p_adjusted < 0.05
    assert "Holm-adjusted p" in cmps[0].describe(False) and "over 2 comparisons" in cmps[0].describe(False)


# --- 6. the findings say which score they compare, and follow the ablation's metric

def test_findings_follow_the_ablation_metric_and_name_it():
    recs = _level_records([0.0, 2.0])
    final = findings(recs, ablation_table(recs, ["arch.a"], "final", False), pd.DataFrame(), maximize=False)
    line = next(s for s in final if s.startswith("a 1 vs a 0") or s.startswith("a 0 is") or s.startswith("a 1 is"))
    assert "(final score, a 1 minus a 0" in line
    abl = ablation_table(recs, ["arch.a"], "best", False)
    best = findings(recs, abl, pd.DataFrame(), maximize=False)
    line = next(s for s in best if "a 1 minus a 0" in s)
    assert "best score any evaluation reached" in line
    expected = np.mean(abl["arch.a"][1]["scores"]) - np.mean(abl["arch.a"][0]["scores"])
    assert f"{signed(expected)} mm" in line


def test_p_values_near_five_percent_show_which_side_they_lie():
    from mahm_search.results import p_text

    assert [p_text(p) for p in (0.0004, 0.004, 0.046, 0.0496, 0.0504, 0.12)] == \
        ["< 0.001", "0.004", "0.046", "0.0496", "0.0504", "0.12"]
