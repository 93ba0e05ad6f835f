"""Fixtures shared by several test files."""

import os

import pytest

# Every test traces its memory estimates: an estimate cached on disk by an earlier run (or by the
# user's own studies) must not stand in for the code under test. test_memory.py turns it on itself.
os.environ["MAHM_MEMORY_CACHE"] = "off"
# Likewise the InterHand2.6M index cache: tests that test it point it at their own folder.
os.environ.setdefault("MAHM_INTERHAND_CACHE", "off")

from mahm_search.hands.generated.generated import generate_mano_files


@pytest.fixture(scope="session")
def generated_mano_dir(tmp_path_factory):
    """A folder holding the generated MANO_RIGHT.npz / MANO_LEFT.npz, written once per test session
    (tests that modify model files copy them elsewhere first)."""
    folder = tmp_path_factory.mktemp("mano_generated")
    generate_mano_files(folder)
    return folder


@pytest.fixture(scope="session")
def postgres_server():
    """The URL of a throwaway PostgreSQL server (tests/support/pg_server.py), one per test session; each test
    makes its own database on it. Skips, saying why, where the server binaries are absent."""
    from support import pg_server

    reason = pg_server.skip_reason()
    if reason:
        pytest.skip(reason)
    with pg_server.postgres_server() as url:
        yield url
