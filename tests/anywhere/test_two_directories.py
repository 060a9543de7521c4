"""A sync run from anywhere writes the warehouse where it runs, with working state of its own."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime

import duckdb
import pytest

from simulator import Simulator
from tests.sync.helpers import differences

TABLES = ("observations", "scores", "experiments", "datasets", "prompts", "comments", "evaluators")


def assert_exact(sim: Simulator, workdir, tables=TABLES, project_id: str = "proj-demo") -> None:
    truth = sim.ground_truth()
    for table in tables:
        assert differences(workdir, truth, table, project_id) == [], table


def test_each_directory_holds_its_own_exact_warehouse(user, sim, tmp_path):
    with Simulator(seed=99, traces=60).start() as other:  # another team's project, other credentials
        dir_a, dir_b = tmp_path / "team-a", tmp_path / "team-b"
        first = user.sync(sim, dir_a)
        assert first.returncode == 0, first.stderr
        second = user.sync(other, dir_b)
        assert second.returncode == 0, second.stderr

        assert f"Warehouse: duckdb {dir_a / 'warehouse.duckdb'} (dataset langfuse)" in first.stdout
        assert f"Warehouse: duckdb {dir_b / 'warehouse.duckdb'} (dataset langfuse)" in second.stdout
        assert_exact(sim, dir_a)
        assert_exact(other, dir_b)
        # Each warehouse has a working-state folder of its own under dlt's data dir; none in dlt's shared
        # default folder.
        assert len(list((user.data_dir / "langfuse-warehouse").iterdir())) == 2
        assert not (user.data_dir / "pipelines").exists()

        # Back in A, after B: nothing new for A, and A's rows stay A's.
        again = user.sync(sim, dir_a)
        assert again.returncode == 0 and "Nothing new" in again.stdout
        assert_exact(sim, dir_a)
        assert_exact(other, dir_b)


def test_a_relative_database_is_relative_to_where_the_command_runs(user, sim, tmp_path):
    workdir = tmp_path / "job"
    done = user.sync(sim, workdir, "--database", "data/lf.duckdb")
    assert done.returncode == 0, done.stderr
    assert f"Warehouse: duckdb {workdir / 'data' / 'lf.duckdb'}" in done.stdout
    assert (workdir / "data" / "lf.duckdb").is_file()
    status = user.run(sim, workdir, "status", "--database", "data/lf.duckdb")
    assert status.returncode == 0 and "observations" in status.stdout
    marts = user.run(sim, workdir, "marts", "--database", "data/lf.duckdb")
    assert marts.returncode == 0, marts.stderr


def test_a_deleted_warehouse_is_read_again_in_full(user, sim, tmp_path):
    workdir = tmp_path / "job"
    assert user.sync(sim, workdir).returncode == 0
    (workdir / "warehouse.duckdb").unlink()
    again = user.sync(sim, workdir)
    assert again.returncode == 0, again.stderr
    assert "Nothing new" not in again.stdout
    assert_exact(sim, workdir)


def _drop_the_dataset(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("drop schema langfuse cascade")


def _delete_every_row(con: duckdb.DuckDBPyConnection) -> None:
    tables = con.execute("select table_name from information_schema.tables where table_schema = 'langfuse'")
    for (table,) in tables.fetchall():
        con.execute(f'delete from langfuse."{table}"')


@pytest.mark.parametrize("empty", [_drop_the_dataset, _delete_every_row], ids=["dataset-dropped", "rows-deleted"])
def test_an_emptied_warehouse_is_read_again_in_full(user, sim, tmp_path, empty):
    workdir = tmp_path / "job"
    assert user.sync(sim, workdir).returncode == 0
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        empty(con)
    again = user.sync(sim, workdir)
    assert again.returncode == 0, again.stderr
    assert "Nothing new" not in again.stdout
    assert_exact(sim, workdir)


def test_a_warehouse_restored_from_a_backup_is_the_truth_for_what_comes_next(user, sim, tmp_path):
    """The local working state remembers a load the warehouse no longer has: it is repaired from the
    warehouse, and the rows of that load are read again. (A one-second lookback, so that only the
    repaired watermark, not the look-back, can bring those rows back.)"""
    workdir = tmp_path / "job"
    assert user.sync(sim, workdir, "--lookback", "1s").returncode == 0
    shutil.copy(workdir / "warehouse.duckdb", tmp_path / "backup.duckdb")
    sim.add_traces(15, at=datetime.now(UTC), same_start_time=True)
    sim.settle()  # past the simulator's ingestion lag
    time.sleep(1.5)  # the next run's watermark minus its lookback lies after the new rows
    assert user.sync(sim, workdir, "--lookback", "1s").returncode == 0
    shutil.copy(tmp_path / "backup.duckdb", workdir / "warehouse.duckdb")

    repaired = user.sync(sim, workdir, "--lookback", "1s")
    assert repaired.returncode == 0, repaired.stderr
    assert "restored from the warehouse" in repaired.stdout
    # The new traces' scores are stamped minutes after their traces, in this test's future: left out.
    assert_exact(sim, workdir, [t for t in TABLES if t != "scores"])


def test_a_warehouse_synced_with_another_working_folder_carries_on_from_its_own_state(user, sim, tmp_path):
    """Upgrading from the shared default folder (or dropping --pipelines-dir): the new folder starts from
    the state the warehouse holds, so nothing is read twice and nothing is skipped."""
    workdir = tmp_path / "job"
    old = user.sync(sim, workdir, "--pipelines-dir", str(user.home / ".dlt" / "pipelines"))
    assert old.returncode == 0, old.stderr
    moved = user.sync(sim, workdir)
    assert moved.returncode == 0, moved.stderr
    assert "Nothing new" in moved.stdout
    assert_exact(sim, workdir)
