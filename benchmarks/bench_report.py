"""Time `write_figures` and `write_report` on a demo study of N configurations x R repeats.

    python benchmarks/bench_report.py [REPEATS]

Prints seconds per call; the report is for humans, so a few seconds on 2 CPU cores is the goal.
"""

from __future__ import annotations

import sys
import tempfile
import time

from mahm_search.report.demo import make_demo_study
from mahm_search.report.figures import write_figures
from mahm_search.report.markdown import write_report


def main(repeats: int = 10) -> None:
    with tempfile.TemporaryDirectory() as work:
        study = make_demo_study(work, "self_attention", repeats=repeats)
        t0 = time.perf_counter()
        result = write_figures(study, quiet=True)
        t1 = time.perf_counter()
        write_report(study, quiet=True)
        t2 = time.perf_counter()
        print(f"{len(result.records)} trials, {len(result.lines)} lines: "
              f"write_figures {t1 - t0:.2f} s, write_report (incl. figures) {t2 - t1:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
