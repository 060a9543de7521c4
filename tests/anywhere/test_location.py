"""Every command finds its warehouse the same way, and each warehouse has working state of its own."""

from __future__ import annotations

import pytest

from pipelines.location import locate_warehouse
from sources.langfuse.errors import ConfigurationError


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))
    return tmp_path / "dlt-data"


def test_a_relative_database_is_resolved_against_the_current_directory(tmp_path, monkeypatch, data_dir):
    monkeypatch.chdir(tmp_path)
    location = locate_warehouse("duckdb", "sub/../warehouse.duckdb", "langfuse")
    assert location.database == str(tmp_path / "warehouse.duckdb")
    assert location.lock_path == str(tmp_path / "warehouse.duckdb.sync.lock")
    assert location.pipelines_dir.startswith(str(data_dir / "langfuse-warehouse" / "duckdb-warehouse.duckdb-langfuse-"))
    # The same file spelled another way is the same warehouse.
    assert locate_warehouse("duckdb", str(tmp_path / "warehouse.duckdb"), "langfuse") == location


def test_different_files_datasets_and_destinations_never_share_working_state(tmp_path):
    folders = {
        locate_warehouse("duckdb", str(tmp_path / "a" / "warehouse.duckdb"), "langfuse").pipelines_dir,
        locate_warehouse("duckdb", str(tmp_path / "b" / "warehouse.duckdb"), "langfuse").pipelines_dir,
        locate_warehouse("duckdb", str(tmp_path / "a" / "warehouse.duckdb"), "raw").pipelines_dir,
        locate_warehouse("filesystem", str(tmp_path / "a" / "warehouse.duckdb"), "langfuse").pipelines_dir,
        locate_warehouse("filesystem", "s3://bucket/lake", "langfuse").pipelines_dir,
        locate_warehouse("filesystem", "s3://bucket/other-lake", "langfuse").pipelines_dir,
    }
    assert len(folders) == 6


def test_pipelines_dir_still_overrides(tmp_path):
    location = locate_warehouse("duckdb", str(tmp_path / "w.duckdb"), "langfuse", str(tmp_path / "mine"))
    assert location.pipelines_dir == str(tmp_path / "mine")
    # The lock stays with the warehouse, whatever working folder a run uses.
    assert location.lock_path == str(tmp_path / "w.duckdb.sync.lock")


def test_a_bucket_url_is_kept_and_locked_in_its_state_folder(data_dir):
    location = locate_warehouse("filesystem", "s3://bucket/lake/", "langfuse")
    assert location.database == "s3://bucket/lake" and not location.is_local
    assert location.lock_path == f"{location.pipelines_dir}/sync.lock"


def test_a_configured_destination_is_keyed_by_its_data_location_never_its_password(monkeypatch):
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://loader:s3cr3t-pw@db.internal:5433/analytics")
    prod = locate_warehouse("postgres", "warehouse.duckdb", "langfuse")
    assert prod.database == "db.internal:5433/analytics"
    assert "s3cr3t" not in prod.identity + prod.pipelines_dir + prod.lock_path
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://loader:s3cr3t-pw@db.internal:5433/dev")
    assert locate_warehouse("postgres", "warehouse.duckdb", "langfuse").pipelines_dir != prod.pipelines_dir


def test_a_duckdb_file_named_like_its_dataset_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="share a name"):
        locate_warehouse("duckdb", str(tmp_path / "langfuse.duckdb"), "langfuse")
