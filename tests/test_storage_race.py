"""Processes that open a new SQLite study together (`--workers`, or `status` during the first
`run`) must all get the study: Optuna creates the schema without a lock, so without retries all
but one fail with 'table already exists' or a UNIQUE error on alembic_version."""

from __future__ import annotations

import multiprocessing as mp
import time

import pytest

from support.search import write_study


def _warm_up(_: int) -> None:
    import mahm_search.study.storage  # noqa: F401  (the imports take seconds; not in the race)
    import mahm_search.study.study_spec  # noqa: F401


def _open_at(study_file: str, start_at: float) -> str:
    from mahm_search.study.storage import open_study
    from mahm_search.study.study_spec import load_study_spec

    spec = load_study_spec(study_file)
    while time.time() < start_at:  # line the processes up on the same instant
        pass
    try:
        return open_study(spec, create=True).study_name
    except Exception as err:  # reported to the test, which names it
        return f"{type(err).__name__}: {err}"[:200]


def test_processes_opening_a_new_study_together_all_get_it(tmp_path):
    results = []
    with mp.get_context("spawn").Pool(4) as pool:
        pool.map(_warm_up, range(4))
        for attempt in range(5):  # the race is timing-dependent: five fresh databases
            study_file = write_study(tmp_path, name=f"race{attempt}")
            start_at = time.time() + 0.5
            results += pool.starmap(_open_at, [(str(study_file), start_at)] * 4)
    assert results == [f"race{a}" for a in range(5) for _ in range(4)], results


class UniqueViolation(Exception):
    """Named as psycopg names it."""


class DuplicateObject(Exception):
    pass


def test_schema_race_is_retried_as_each_database_reports_it():
    """The same race on PostgreSQL (two CREATE TYPE studydirection, two CREATE TABLE) and MySQL."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    from mahm_search.study.storage import with_retries

    races = [
        IntegrityError("CREATE TYPE studydirection AS ENUM ('NOT_SET', 'MINIMIZE', 'MAXIMIZE')", {}, UniqueViolation(
            'duplicate key value violates unique constraint "pg_type_typname_nsp_index"')),
        ProgrammingError("CREATE TYPE trialstate", {}, DuplicateObject('type "trialstate" already exists')),
        OperationalError("CREATE TABLE studies", {}, Exception("(1050, \"Table 'studies' already exists\")")),
    ]
    for race in races:
        calls = []

        def open_storage():
            calls.append(1)
            if len(calls) == 1:
                raise race
            return "opened"

        assert with_retries(open_storage, delay_s=0) == "opened", race
    other = IntegrityError("INSERT INTO trials", {}, UniqueViolation('violates unique constraint "trials_pkey"'))
    calls = []

    def insert():
        calls.append(1)
        raise other

    with pytest.raises(IntegrityError):
        with_retries(insert, delay_s=0)
    assert len(calls) == 1  # a real constraint violation is not retried
