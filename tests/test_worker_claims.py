"""Several workers never start more trials than n_trials (search/optuna/ask_lock.py): workers that check the
count together used to start up to workers-1 extra trials. Workers here are threads, each with its own
storage connection (as processes or hosts have), started together on a barrier; on SQLite, a journal
file and a real PostgreSQL. A lock whose holder died is taken over after the grace period."""

from __future__ import annotations

import threading
import time

import optuna
from optuna.trial import TrialState

from support import pg_server
from mahm_search.search.optuna.ask_lock import AskLock
from mahm_search.search.optuna.optuna_backend import run_worker_loop
from mahm_search.study.storage import open_study
from mahm_search.study.study_spec import load_study_spec
from mahm_search.search.trial import TrialObjective
from mahm_search.search.trial_counts import count_trials
from support.search import Deadline, fake_train, use_fake_trainer, write_study

WORKERS, N_TRIALS = 3, 2


def _slow_fake_train():
    train = fake_train([])

    def slow(config, reporter, run_dir):
        time.sleep(0.3)  # the workers' trials overlap, as real ones do
        return train(config, reporter, run_dir)

    return slow


def _run_workers(spec) -> list:
    studies = [open_study(spec, create=True, worker=i) for i in range(WORKERS)]
    barrier = threading.Barrier(WORKERS)
    errors = []

    def work(study):
        try:
            barrier.wait()
            run_worker_loop(spec, study, N_TRIALS, objective=TrialObjective(spec, train_fn=_slow_fake_train()))
        except BaseException as err:  # reported by the test
            errors.append(err)

    threads = [threading.Thread(target=work, args=(s,)) for s in studies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and not any(t.is_alive() for t in threads), errors
    return studies[0].get_trials()


def _check_exactly_n_trials(tmp_path, monkeypatch, storage=None):
    use_fake_trainer(monkeypatch, [])
    for attempt in range(3):  # the race is timing-dependent: three fresh studies
        extra = {"storage": storage(attempt)} if storage else {}
        spec = load_study_spec(write_study(tmp_path, name=f"claims{attempt}", n_trials=N_TRIALS, **extra))
        with Deadline(90):
            trials = _run_workers(spec)
        assert count_trials(trials).done == N_TRIALS, [t.state.name for t in trials]
        assert [t.state for t in trials] == [TrialState.COMPLETE] * N_TRIALS, [t.user_attrs.get("error") for t in trials]


def test_three_workers_on_sqlite_start_exactly_n_trials(tmp_path, monkeypatch):
    _check_exactly_n_trials(tmp_path, monkeypatch)


def test_three_workers_on_a_journal_file_start_exactly_n_trials(tmp_path, monkeypatch):
    _check_exactly_n_trials(tmp_path, monkeypatch, lambda attempt: f"journal:claims{attempt}.log")



def test_three_workers_on_postgres_start_exactly_n_trials(tmp_path, monkeypatch, postgres_server):
    _check_exactly_n_trials(tmp_path, monkeypatch,
                            lambda attempt: pg_server.create_database(postgres_server, f"claims{attempt}"))


def test_a_lock_whose_holder_died_is_taken_after_the_grace_period(tmp_path):
    spec = load_study_spec(write_study(tmp_path, heartbeat={"interval": 1, "grace_period": 2, "max_retry": 2}))
    dead = AskLock(open_study(spec, create=True), spec)
    dead.acquire()  # and never released: its worker was killed between the recount and the ask
    began = time.monotonic()  # the lease's age counts from here (opening the next study takes time too)
    alive = AskLock(open_study(spec, create=True, worker=1), spec)
    with Deadline(30), alive:
        waited = time.monotonic() - began
    assert 0.9 <= waited <= 4, waited  # the grace period (2 s), on the database's one-second clock
    with alive:  # given back: taken again at once
        assert alive.held
    study = optuna.load_study(study_name="tiny", storage=spec.storage_url)
    assert "mahm:ask_lock" not in study._storage.get_study_system_attrs(study._study_id)  # none left behind


def test_the_lock_is_held_until_the_trial_has_queued_its_repeats(tmp_path, monkeypatch):
    # A worker that asked while another trial's repeats were not yet queued could be proposed the same
    # configuration (an exhausted grid), train a later seed and leave a queued repeat behind.
    use_fake_trainer(monkeypatch, [])
    spec = load_study_spec(write_study(tmp_path, repeats=2))
    study = open_study(spec, create=True)
    lock = AskLock(study, spec)
    objective = TrialObjective(spec)
    held_at = {}
    enqueue = objective._enqueue_repeats

    def spy(trial, **kwargs):
        held_at["enqueue"] = lock.held
        enqueue(trial, **kwargs)

    objective._enqueue_repeats = spy
    train = objective.train_admitted
    objective.train_admitted = lambda trial, admission: (held_at.setdefault("train", lock.held),
                                                         train(trial, admission))[1]
    with Deadline(60):
        assert lock.ask_one(study, objective, has_room=lambda: True)
    assert held_at == {"enqueue": True, "train": False} and not lock.held
    assert [t.state for t in study.get_trials()] == [TrialState.COMPLETE, TrialState.WAITING]  # its repeat


def test_every_worker_and_every_resume_reads_the_grid_the_same_way(tmp_path):
    # GridSampler stores a trial's index into its seed-shuffled grid: a worker (or a resumed run)
    # given another seed read those indices as other points, so two workers trained one configuration
    # twice, skipped another, and left its queued repeat behind.
    spec = load_study_spec(write_study(tmp_path, sampler={"type": "grid", "seed": 0},
                                       space={"train.batch_size": {"choices": [2, 4, 6, 8, 10, 12]}}))
    first = open_study(spec, create=True)
    first.enqueue_trial({"train.batch_size": 2})  # a stored trial: the next open is a resume
    grids = [open_study(spec, create=True, worker=w).sampler._all_grids for w in (0, 1, 2)]
    assert grids[0] == grids[1] == grids[2] == first.sampler._all_grids


def test_no_room_asks_nothing_and_gives_the_lock_back(tmp_path):
    spec = load_study_spec(write_study(tmp_path))
    study = open_study(spec, create=True)
    lock = AskLock(study, spec)
    asked = []
    assert not lock.ask_one(study, lambda trial, claimed: asked.append(trial), has_room=lambda: False)
    assert asked == [] and study.get_trials() == [] and not lock.held
    other = AskLock(open_study(spec, create=True, worker=1), spec)
    other.acquire()  # another worker takes it at once: the lease was given back
    other.release()
