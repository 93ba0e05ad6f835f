"""Time `write_figures` and `write_report` on a study of 4 configurations x R repeats, made by the real
search with a stand-in trainer (tests/support/study_factory.py).

    python benchmarks/bench_report.py [REPEATS]

Prints seconds per call; the report is for humans, so a few seconds on 2 CPU cores is the goal.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.study_factory import make_study  # noqa: E402

from mahm_search.report.figures.figures import write_figures  # noqa: E402
from mahm_search.report.markdown import write_report  # noqa: E402


def main(repeats: int = 10) -> None:
    with tempfile.TemporaryDirectory() as work:
        study = make_study(Path(work) / "study", "self_attention", repeats=repeats)
        t0 = time.perf_counter()
        result = write_figures(study, quiet=True)
        t1 = time.perf_counter()
        write_report(study, quiet=True)
        t2 = time.perf_counter()
        print(f"{len(result.records)} trials, {len(result.lines)} lines: "
              f"write_figures {t1 - t0:.2f} s, write_report (incl. figures) {t2 - t1:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
