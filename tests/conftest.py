"""Fixtures shared by several test files."""

import pytest

from mahm_search.hands.generated import generate_mano_files


@pytest.fixture(scope="session")
def generated_mano_dir(tmp_path_factory):
    """A folder holding the generated MANO_RIGHT.npz / MANO_LEFT.npz, written once per test session
    (tests that modify model files copy them elsewhere first)."""
    folder = tmp_path_factory.mktemp("mano_generated")
    generate_mano_files(folder)
    return folder
