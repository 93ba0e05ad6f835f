"""Racing seeds (search/racing.py) against a fixed 8-seed design, on simulated scores with a known truth.

    python benchmarks/bench_racing.py [REPLICATES]

Each configuration's final score over seeds ~ Normal(true mean, sd) (lower is better); the true means
differ by `d` per-seed standard deviations (sd 1, except one scenario where one configuration's seeds
spread twice as much, which the race's pooled spread does not assume away). For every replicate, 8 seeds per configuration are drawn
once; the fixed design uses all 8, racing the first ones it asks for (one seed each to start, then
one more to every configuration still in the race; cap 8, confidence 0.95).
Verdict of either design: the configuration shown better than every other one (Welch 95% over seeds,
as the report's rule), or "inconclusive". Printed: how often racing's verdict equals the fixed
design's, its seeds as a share of the fixed design's, and each design's rate of a wrong winner.
"""

from __future__ import annotations

import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mahm_search.search.racing import race  # noqa: E402

CAP, CONFIDENCE = 8, 0.95
SCENARIOS = {  # name -> (true means, per-seed sds); config 0 is the truly best where one is
    "2 configs, d=0 (no difference)": ((0.0, 0.0), (1.0, 1.0)),
    "2 configs, d=0, seed sd 1 and 2": ((0.0, 0.0), (1.0, 2.0)),
    "2 configs, d=1": ((0.0, 1.0), (1.0, 1.0)),
    "2 configs, d=2": ((0.0, 2.0), (1.0, 1.0)),
    "2 configs, d=3": ((0.0, 3.0), (1.0, 1.0)),
    "4 configs, 0/2/2/3": ((0.0, 2.0, 2.0, 3.0), (1.0,) * 4),
    "8 configs, 0/1/2/2/3/3/4/4": ((0.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0), (1.0,) * 8),
}


def welch_verdict(runs: list[np.ndarray]) -> str:
    """The configuration better than all others by Welch at 95% over its seeds (the report's rule for
    "A is better than B"), else inconclusive (also when a side has a single seed)."""
    best = int(np.argmin([r.mean() for r in runs]))
    for k, r in enumerate(runs):
        if k == best:
            continue
        p = stats.ttest_ind(r, runs[best], equal_var=False).pvalue if min(len(r), len(runs[best])) >= 2 else 1.0
        if not p < 1 - CONFIDENCE:
            return "inconclusive"
    return str(best)


def racing_run(draws: np.ndarray) -> tuple[str, str, int]:
    """(the race's own verdict, the report's Welch verdict on the seeds the race ran, seeds used)."""
    used = {str(k): 1 for k in range(len(draws))}
    while True:
        state = race({k: draws[int(k), :n] for k, n in used.items()}, maximize=False, confidence=CONFIDENCE,
                     max_seeds=CAP)
        if not state.need_seed:
            report = welch_verdict([draws[int(k), :n] for k, n in used.items()])
            return (state.leader if state.resolved else "inconclusive"), report, sum(used.values())
        for k in state.need_seed:
            used[k] += 1


def run(replicates: int) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for name, (means, sds) in SCENARIOS.items():
        same = seeds = wrong_fixed = wrong_race = wrong_report = 0
        for _ in range(replicates):
            draws = rng.normal(np.asarray(means)[:, None], np.asarray(sds)[:, None], size=(len(means), CAP))
            fixed = welch_verdict(list(draws))
            raced, report, n = racing_run(draws)
            same += fixed == raced
            seeds += n
            truth = "0" if len(set(means)) == len(means) or means[0] < min(means[1:]) else None
            wrong_fixed += fixed != "inconclusive" and fixed != truth
            wrong_race += raced != "inconclusive" and raced != truth
            wrong_report += report != "inconclusive" and report != truth
        rows.append({"scenario": name, "agree": same / replicates, "seeds": seeds / (replicates * CAP * len(means)),
                     "wrong_fixed": wrong_fixed / replicates, "wrong_race": wrong_race / replicates,
                     "wrong_report": wrong_report / replicates})
    return rows


def main(replicates: int = 2000) -> None:
    t0 = time.perf_counter()
    rows = run(replicates)
    print(f"{date.today()}, {platform.processor() or platform.machine()}, {replicates} replicates per scenario, "
          f"{time.perf_counter() - t0:.0f} s")
    print("| scenario | same verdict as fixed 8 | racing seeds / fixed seeds | wrong winner: fixed | wrong winner: "
          "race | wrong winner: report on raced seeds |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['scenario']} | {r['agree']:.1%} | {r['seeds']:.1%} | {r['wrong_fixed']:.1%} | "
              f"{r['wrong_race']:.1%} | {r['wrong_report']:.1%} |")
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("agree", "seeds")}
    print(f"| mean over the scenarios | {mean['agree']:.1%} | {mean['seeds']:.1%} | | | |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
