"""search/packing/rule.py: trials share one GPU by their memory estimates (fake estimates, no GPU)."""

from mahm_search.search.packing.rule import auto_workers, fits

GiB = 2**30


def test_the_rule_adds_estimates_and_counts_the_shared_context_once():
    assert fits(4 * GiB, [4 * GiB, 4 * GiB], 12 * GiB)
    assert not fits(4 * GiB, [4 * GiB, 4 * GiB], 12 * GiB - 1)
    # three 4 GiB estimates that each include a 1 GiB context: 1 + 3 * 3 = 10 GiB in one process
    assert fits(4 * GiB, [4 * GiB, 4 * GiB], 10 * GiB, shared_bytes=GiB)
    assert not fits(4 * GiB, [4 * GiB, 4 * GiB], 10 * GiB - 1, shared_bytes=GiB)


def test_auto_workers():
    assert auto_workers(80 * GiB, 5 * GiB, shared_bytes=GiB, cpu_count=16) == 16  # 79 // 4 = 19, 16 cores
    assert auto_workers(80 * GiB, 30 * GiB, cpu_count=16) == 2
    assert auto_workers(8 * GiB, 30 * GiB, cpu_count=16) == 1
    assert auto_workers(80 * GiB, GiB, cpu_count=4) == 4
