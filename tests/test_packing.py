"""search/packing.py: trials share one GPU by their memory estimates (fake estimates, no GPU)."""

import threading
import time

import pytest

from mahm_search.search.packing import MemoryPacker, auto_workers, fits

GiB = 2**30


def test_the_rule_adds_estimates_and_counts_the_shared_context_once():
    assert fits(4 * GiB, [4 * GiB, 4 * GiB], 12 * GiB)
    assert not fits(4 * GiB, [4 * GiB, 4 * GiB], 12 * GiB - 1)
    # three 4 GiB estimates that each include a 1 GiB context: 1 + 3 * 3 = 10 GiB in one process
    assert fits(4 * GiB, [4 * GiB, 4 * GiB], 10 * GiB, shared_bytes=GiB)
    assert not fits(4 * GiB, [4 * GiB, 4 * GiB], 10 * GiB - 1, shared_bytes=GiB)


def test_admits_as_many_as_fit_and_a_release_makes_room():
    packer = MemoryPacker(10 * GiB)
    assert [packer.try_admit(t, 3 * GiB) for t in "abcd"] == [True, True, True, False]
    assert packer.in_use_bytes() == 9 * GiB
    assert packer.try_admit("small", GiB)  # a smaller one still fits the last GiB
    packer.release("a")
    assert packer.try_admit("d", 3 * GiB) and set(packer.running) == {"b", "c", "d", "small"}


def test_a_trial_that_can_never_fit_is_refused_at_once():
    packer = MemoryPacker(8 * GiB)
    started = time.perf_counter()
    assert packer.admit("huge", 9 * GiB, timeout=5) is False  # no waiting for the impossible
    assert time.perf_counter() - started < 1 and packer.running == {}


def test_a_waiting_trial_starts_when_a_running_one_ends():
    packer = MemoryPacker(8 * GiB)
    assert packer.admit("a", 5 * GiB)
    admitted = []
    waiter = threading.Thread(target=lambda: admitted.append(packer.admit("b", 5 * GiB, timeout=10)))
    waiter.start()
    time.sleep(0.2)
    assert admitted == [] and "b" not in packer.running  # 10 GiB would not fit: it waits
    packer.release("a")
    waiter.join(5)
    assert admitted == [True] and set(packer.running) == {"b"}


def test_timeout_max_trials_and_double_admission():
    packer = MemoryPacker(100 * GiB, max_trials=2)
    assert packer.admit(1, GiB) and packer.admit(2, GiB)
    assert packer.admit(3, GiB, timeout=0.1) is False  # memory is there, the trial cap is not
    with pytest.raises(ValueError, match="already admitted"):
        packer.try_admit(1, GiB)
    packer.release("never admitted")  # harmless


def test_auto_workers():
    assert auto_workers(80 * GiB, 5 * GiB, shared_bytes=GiB, cpu_count=16) == 16  # 79 // 4 = 19, 16 cores
    assert auto_workers(80 * GiB, 30 * GiB, cpu_count=16) == 2
    assert auto_workers(8 * GiB, 30 * GiB, cpu_count=16) == 1
    assert auto_workers(80 * GiB, GiB, cpu_count=4) == 4
