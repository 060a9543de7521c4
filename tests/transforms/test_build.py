"""`langfuse-warehouse marts`: dbt builds the marts in the sync's DuckDB file and reports model by model."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest
from conftest import raw_warehouse, read_rows

from pipelines.cli import main
from transforms import SelectionError, Warehouse, build_marts

UNIT_TESTS = 24  # the `unit_tests:` in sql/models/*/unit_tests/*.yml


def test_models_on_a_missing_raw_table_are_skipped_with_the_reason_and_so_is_their_downstream(tmp_path):
    database = raw_warehouse(tmp_path / "w.duckdb", without=("experiments",))
    report = build_marts(Warehouse(database=str(database)))
    assert report.ok, report.as_table()
    assert report["stg_experiments"].status == "skipped"
    assert report["stg_experiments"].reason == "missing raw table(s): experiments"
    assert report["mart_experiment_summary"].status == "skipped"
    assert "experiments" in report["mart_experiment_summary"].reason
    # Tables the fixture never has (comments, score_configs, ...) skip their staging model too.
    assert report["stg_comments"].reason == "missing raw table(s): comments"
    assert report["fct_traces"].status == "built" and report["fct_traces"].rows == 9
    assert report["mart_cost_daily"].status == "built"
    assert report.tests_passed > 0 and report.failed_tests == []


def test_select_builds_a_mart_and_what_it_reads_in_the_schemas_asked_for(tmp_path):
    database = raw_warehouse(tmp_path / "w.duckdb", schema="lf_raw")
    warehouse = Warehouse(database=str(database), raw_schema="lf_raw", target_schema="marts")
    report = build_marts(warehouse, select=["+mart_cost_daily"])
    assert report.ok, report.as_table()
    # dbt builds independent models side by side (4 threads): the order is only that of the lineage.
    built = report.built
    assert sorted(built) == ["int_generations", "int_traces", "mart_cost_daily", "stg_models", "stg_observations"]
    for parent, child in [("stg_observations", "int_traces"), ("int_traces", "int_generations"),
                          ("int_generations", "mart_cost_daily"), ("stg_models", "mart_cost_daily")]:
        assert built.index(parent) < built.index(child)
    assert read_rows(database, "select count(*) as n from marts.mart_cost_daily") == [{"n": 4}]
    # Rebuilding changes nothing (staging views read the raw schema by name, whoever opens the file).
    again = build_marts(warehouse, select=["+mart_cost_daily"])
    assert sorted((r.name, r.rows) for r in again.results) == sorted((r.name, r.rows) for r in report.results)
    with pytest.raises(SelectionError, match="no_such_model"):
        build_marts(warehouse, select=["no_such_model"])


def test_a_raw_table_with_only_the_always_present_columns_still_builds(tmp_path):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema langfuse")
        con.execute(
            """
            create table langfuse.observations as
            select 'p1' as project_id, 'o1' as id, 't1' as trace_id, 'SPAN' as type,
                   timestamptz '2025-01-01 10:00:00+00' as start_time,
                   null::timestamptz as deleted_at, 'load-1' as _dlt_load_id, 'x' as _dlt_id
            """
        )
    report = build_marts(Warehouse(database=str(database)), select=["+fct_traces", "+mart_latency_daily"])
    assert report.ok, report.as_table()
    rows = read_rows(database, "select trace_id, latency_seconds, total_cost_usd, tags, environment from analytics.fct_traces")
    # The only observation has not ended: the trace is unfinished, so it has no latency yet.
    assert rows == [{"trace_id": "t1", "latency_seconds": None, "total_cost_usd": 0.0, "tags": None, "environment": "default"}]


def test_a_failed_data_test_exits_non_zero_naming_the_test_and_the_model(tmp_path, capsys):
    database = raw_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(database)) as con:
        # The same observation twice (as a broken load might leave it): stg_observations' key repeats.
        con.execute("insert into langfuse.observations select * from langfuse.observations where id = 'o1' and trace_id = 't3'"
                    " union all select * replace ('o1' as id) from langfuse.observations where trace_id = 't3' limit 1")
    exit_code = main(["marts", "--database", str(database), "--select", "+fct_traces"])
    printed = capsys.readouterr().out
    assert exit_code == 1
    assert "failed test langfuse_warehouse_primary_key_stg_observations" in printed
    assert "on stg_observations (1 failing row(s))" in printed
    assert "fct_traces" in printed and "skipped" in printed  # downstream of a failed test is not built


def test_the_command_builds_prints_each_model_and_exports_parquet(tmp_path, capsys):
    database = raw_warehouse(tmp_path / "w.duckdb")
    exported = tmp_path / "parquet"
    exit_code = main(["marts", "--database", str(database), "--select", "+mart_score_daily",
                      "--export-parquet", str(exported)])
    printed = capsys.readouterr().out
    assert exit_code == 0, printed
    assert "mart_score_daily" in printed and "Built 8 models, 0 skipped, 0 failed" in printed
    assert sorted(path.name for path in exported.iterdir()) == [
        "dim_sessions.parquet", "fct_scores.parquet", "fct_traces.parquet", "mart_score_daily.parquet"]
    with duckdb.connect() as con:
        rows = con.execute(f"select count(*) from '{exported / 'mart_score_daily.parquet'}'").fetchall()
    assert rows == [(8,)]  # one row per day, environment, score name, subject kind, source and data type


def test_the_duckdb_file_is_released_after_the_build_and_a_held_lock_is_one_clear_error(tmp_path, capsys):
    database = raw_warehouse(tmp_path / "w.duckdb")
    assert build_marts(Warehouse(database=str(database)), select=["stg_scores"]).ok
    # Released: another process can write right after (a sync starting while this process lives on).
    writer = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('create table langfuse.touched(x int)')"
    subprocess.run([sys.executable, "-c", writer, str(database)], check=True, timeout=60)
    # Held by another process (a sync still loading): one error saying so, nothing half-built.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
         str(database)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        exit_code = main(["marts", "--database", str(database)])
    finally:
        holder.communicate("", timeout=60)
    printed = capsys.readouterr()
    assert exit_code == 1
    assert "lock" in (printed.out + printed.err).lower()


def test_a_missing_warehouse_file_is_one_error_and_creates_nothing(tmp_path, capsys):
    exit_code = main(["marts", "--database", str(tmp_path / "nothing.duckdb")])
    assert exit_code == 2
    assert "no DuckDB warehouse at" in capsys.readouterr().err
    assert not (tmp_path / "nothing.duckdb").exists()


def test_the_unit_tests_run_when_asked_and_the_nightly_build_leaves_them_out(built, tmp_path):
    # dbt's unit tests check the SQL against hand-worked rows, not the data: the suite runs them all (the
    # session's build), a nightly `marts` does not spend its time on them.
    _, with_unit_tests = built
    assert with_unit_tests.unit_tests_passed == UNIT_TESTS, with_unit_tests.as_table()
    nightly = build_marts(Warehouse(database=str(raw_warehouse(tmp_path / "w.duckdb"))))
    assert nightly.ok and nightly.unit_tests_passed == 0
    assert nightly.tests_passed == with_unit_tests.tests_passed
