"""The same two commands on PostgreSQL: `sync --destination postgres`, then `marts --destination postgres`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marts_equality import differences, duckdb_model, model_keys, postgres_model
from test_build import UNIT_TESTS

from pipelines.cli import main
from simulator import Simulator
from transforms import Warehouse, build_marts
from transforms.dbt import state_dir


def _sync_both(tmp_path, duckdb_file) -> None:
    assert main(["sync", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "dlt-pg"),
                 "--settle-delay", "0s"]) == 0
    assert main(["sync", "--database", str(duckdb_file), "--pipelines-dir", str(tmp_path / "dlt-duckdb"),
                 "--settle-delay", "0s"]) == 0


def _differences(postgres_database, duckdb_file) -> list[str]:
    connection = postgres_database.connect()
    try:
        found = []
        for model, key in model_keys().items():
            expected = duckdb_model(duckdb_file, "analytics", model, key)
            assert expected, f"{model} is empty in DuckDB: the comparison would prove nothing"
            found += differences(model, expected, postgres_model(connection, "analytics", model, key))
        return found
    finally:
        connection.close()


def test_the_marts_built_in_postgresql_equal_the_duckdb_build_of_the_same_data(
    postgres_database, tmp_path, monkeypatch, capsys
):
    duckdb_file = tmp_path / "warehouse.duckdb"
    with Simulator(seed=11, traces=160).start() as sim:
        monkeypatch.setenv("LANGFUSE_HOST", sim.base_url)
        monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", sim.public_key)
        monkeypatch.setenv("LANGFUSE_SECRET_KEY", sim.secret_key)
        _sync_both(tmp_path, duckdb_file)
        capsys.readouterr()

        # Credentials come from dlt's config (DESTINATION__POSTGRES__CREDENTIALS here), as for the sync.
        assert main(["marts", "--destination", "postgres"]) == 0
        printed = capsys.readouterr()
        assert "Built 32 models, 0 skipped, 0 failed" in printed.out, printed.out
        assert postgres_database.password not in printed.out + printed.err
        # Nor on disk: the profile says env_var(...), and dbt's target/ and logs hold no copy.
        for path in state_dir().rglob("*"):
            if path.is_file():
                assert postgres_database.password.encode() not in path.read_bytes(), path
        assert main(["marts", "--database", str(duckdb_file)]) == 0
        assert _differences(postgres_database, duckdb_file) == []
        # The project's dbt unit tests pass on PostgreSQL too (the nightly build leaves them out).
        with_unit_tests = build_marts(Warehouse(destination="postgres"), unit_tests=True)
        assert with_unit_tests.ok and with_unit_tests.unit_tests_passed == UNIT_TESTS, with_unit_tests.as_table()

        # The next night: incremental builds on both engines, still equal. (New traces start in the past so
        # that both syncs, one after the other, see all of their observations.)
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        sim.add_traces(5, at=an_hour_ago)
        sim.add_scores(8, at=an_hour_ago)
        _sync_both(tmp_path, duckdb_file)
        assert main(["marts", "--destination", "postgres"]) == 0
        assert main(["marts", "--database", str(duckdb_file)]) == 0
        assert "incremental" in capsys.readouterr().out
    assert _differences(postgres_database, duckdb_file) == []
