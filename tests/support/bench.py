"""Imports benchmarks/mahm_bench (the MAHM-Bench table and replay harness, not part of the package)."""

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def mahm_bench():
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    import mahm_bench
    from mahm_bench import contenders, external, fake, measure, replay, table, tasks  # noqa: F401

    return mahm_bench
