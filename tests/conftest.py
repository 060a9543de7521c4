"""Fixtures every test directory may use: a hermetic dbt state folder, a real PostgreSQL server."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.postgres"]


@pytest.fixture(scope="session", autouse=True)
def _dbt_state_in_a_temporary_folder(tmp_path_factory):
    """dbt's target/ and logs go under XDG_CACHE_HOME (transforms.dbt.state_dir): keep the suite's there."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()
