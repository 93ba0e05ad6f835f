"""report/stats.py and compare.py: intervals, the 'A is better than B' rule, and the seeds advice."""

from __future__ import annotations

import math
import random

import pytest
from scipy import stats as sps

from mahm_search.report.compare import compare
from mahm_search.report.records.records import StudyTrial
from mahm_search.results import mean_ci, seeds_to_resolve, val_se
from mahm_search.study.record import TrialRecord

DIFFICULTY = [random.Random(i).gauss(0, 8.0) for i in range(40)]  # shared by every configuration


def _trial(number, final, key="a", per_sample_noise=0.5, ids=None, seed=0):
    rng = random.Random(f"{key}/{number}")
    samples = [final + d + rng.gauss(0, per_sample_noise) for d in DIFFICULTY]
    shift = final - sum(samples) / len(samples)
    record = TrialRecord(config_key=key, seed=seed, config={"data": {"synthetic": {"n_val": 40}}},
                         val_scores=[v + shift for v in samples], val_ids=ids)
    return StudyTrial(number=number, state="COMPLETE", params={}, steps=[1], values=[final], final=final,
                      best=final, end=None, config_key=key, record=record)


def _config(key, finals, **kw):
    return [_trial(i, f, key, **kw) for i, f in enumerate(finals)]


def test_mean_ci_is_the_t_interval_and_a_dash_for_one_seed():
    x = [50.0, 51.0, 53.0]
    ci = mean_ci(x)
    half = sps.t.ppf(0.975, 2) * sps.tstd(x) / math.sqrt(3)  # textbook t interval
    assert ci.low == pytest.approx(sum(x) / 3 - half) and ci.high == pytest.approx(sum(x) / 3 + half)
    one = mean_ci([50.0])
    assert not one.known and one.text() == "\u2013" and one.mean == 50.0


def test_val_se_is_the_standard_error_over_samples():
    assert val_se([1.0, 3.0, None, float("nan")]) == pytest.approx(1.0)  # std 1.414 / sqrt(2)
    assert val_se([]) is None


def test_clear_difference_with_seeds_is_a_verdict():
    a, b = _config("a", [45.0, 45.5, 44.8]), _config("b", [50.0, 50.3, 49.6])
    cmp = compare(a, b, maximize=False)
    assert cmp.verdict == "A" and cmp.seeds.high < 0
    assert cmp.samples is not None and cmp.samples.n == 40 and cmp.samples.high < 0
    assert compare(b, a, maximize=False).verdict == "B"
    assert compare(a, b, maximize=True).verdict == "B"  # higher is better: b wins


def test_one_seed_each_is_inconclusive_even_when_the_paired_interval_excludes_zero():
    a, b = _config("a", [45.0]), _config("b", [50.0])
    cmp = compare(a, b, maximize=False)
    assert cmp.samples.high < 0  # on these samples A is clearly lower ...
    assert cmp.verdict == "inconclusive"  # ... but seed noise is unmeasured
    assert "unknown" in cmp.advice()


def test_overlapping_seeds_are_inconclusive_with_the_smallest_resolvable_difference():
    # not a seed count sized from the observed (noise) difference: the difference these seeds resolve
    a, b = _config("a", [49.0, 51.0, 50.5]), _config("b", [50.0, 51.5, 49.5])
    cmp = compare(a, b, maximize=False)
    assert cmp.verdict == "inconclusive"
    s = math.sqrt((sps.tvar([49.0, 51.0, 50.5]) + sps.tvar([50.0, 51.5, 49.5])) / 2)
    mdd = (sps.t.ppf(0.975, 4) + sps.t.ppf(0.8, 4)) * s * math.sqrt(2 / 3)
    assert cmp.spread == pytest.approx(s)
    assert f"with 3 and 3 seeds this comparison resolves differences >= {mdd:.2f} mm (80% power" in cmp.advice()
    assert "about" not in cmp.advice().split(";")[0]


def test_seed_interval_must_agree_with_the_paired_one():
    # the seeds say A is better, but the validation samples alone cannot tell them apart
    a = _config("a", [45.0, 45.1, 45.05], per_sample_noise=40.0)
    b = _config("b", [45.4, 45.5, 45.45], per_sample_noise=40.0)
    cmp = compare(a, b, maximize=False)
    assert cmp.seeds.high < 0 and cmp.samples.low < 0 < cmp.samples.high
    assert cmp.verdict == "inconclusive"


def test_different_validation_samples_are_not_paired():
    a = _config("a", [45.0, 45.5], ids=list(range(40)))
    b = _config("b", [50.0, 50.3], ids=list(range(1, 41)))
    assert compare(a, b, maximize=False).samples is None
    c = _config("c", [50.0, 50.3])
    for t in c:
        t.record.config = {"data": {"synthetic": {"n_val": 40, "seed": 1}}}  # another synthetic set
    assert compare(_config("a", [45.0, 45.5]), c, maximize=False).samples is None


def test_seeds_to_resolve():
    assert seeds_to_resolve(1.0, 1.0) == math.ceil(2 * 2.8 ** 2)  # 16
    assert seeds_to_resolve(None, 1.0) is None and seeds_to_resolve(1.0, 0.0) is None


def test_an_interval_bound_near_zero_never_prints_as_zero():
    from mahm_search.results import Interval

    assert Interval(-0.7, -1.3, -0.04, 8).text() == "[-1.30, -0.04]"  # excludes 0: must not read -0.0
    assert Interval(-0.7, -1.3, -0.4, 8).text() == "[-1.3, -0.4]"
    assert Interval(0.0, -0.5, 0.0, 8).text() == "[-0.5, 0.0]"  # a bound that is 0 stays 0.0
    assert Interval(1.0, None, None, 1).text() == "\u2013"
