"""SQLite: a read-then-write of one trial is atomic across connections, so two workers failing the same
stale trial cannot both succeed (and both queue a retry)."""

from __future__ import annotations

import threading

import optuna
from optuna.trial import TrialState

from mahm_search.study.storage import make_storage
from mahm_search.study.study_spec import load_study_spec
from support.search import write_study


def test_two_workers_failing_one_trial_at_once_only_one_succeeds(tmp_path):
    spec = load_study_spec(write_study(tmp_path))
    storages = [make_storage(spec), make_storage(spec)]  # two workers: two engines, two connections
    study = optuna.create_study(study_name=spec.name, storage=storages[0])
    ids = [study.ask()._trial_id for _ in range(30)]
    wins = {i: 0 for i in ids}
    lock = threading.Lock()

    def fail_all(storage, barrier):
        for trial_id in ids:
            barrier.wait()
            try:
                if storage.set_trial_state_values(trial_id, TrialState.FAIL):
                    with lock:
                        wins[trial_id] += 1
            except (RuntimeError, optuna.exceptions.UpdateFinishedTrialError):
                pass  # the other worker failed it first: what must happen

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=fail_all, args=(s, barrier)) for s in storages]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(wins.values())) == [1], {k: v for k, v in wins.items() if v != 1}
