"""The runner: discovers models, orders them, skips what cannot be built, builds idempotently."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from langfuse_raw_fixture import create_raw_schema

from transforms import DependencyCycleError, build_models, run_model_tests
from transforms.__main__ import main
from transforms.graph import build_order
from transforms.models import discover_models, model_dependencies, raw_dependencies


def write_models(sql_dir: Path, models: dict[str, str]) -> Path:
    """models: {"staging/stg_a": "select ...", ...}"""
    for name, sql in models.items():
        path = sql_dir / f"{name}.sql"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql)
    return sql_dir


def test_dependencies_are_read_from_the_sql_and_split_into_models_and_raw_tables():
    models = discover_models(Path(__file__).resolve().parents[2] / "sql")
    scores = models["fct_scores"]
    assert model_dependencies(scores, models) == {"stg_scores", "stg_observations", "fct_traces"}
    assert raw_dependencies(scores, models) == set()
    assert raw_dependencies(models["stg_observations"], models) == {"observations"}
    assert scores.key == ("project_id", "score_id")
    assert scores.materialization == "table" and models["stg_scores"].materialization == "view"


def test_every_mart_and_intermediate_model_declares_grain_and_key():
    models = discover_models(Path(__file__).resolve().parents[2] / "sql")
    undeclared = [name for name, model in models.items() if not (model.grain and model.key)]
    assert undeclared == []


def test_build_order_puts_each_model_after_what_it_reads_staging_first():
    models = discover_models(Path(__file__).resolve().parents[2] / "sql")
    dependencies = {name: model_dependencies(model, models) for name, model in models.items()}
    order = build_order(dependencies)
    for name, upstreams in dependencies.items():
        assert all(order.index(upstream) < order.index(name) for upstream in upstreams), name
    assert order.index("mart_experiment_comparison") > order.index("int_experiment_item_score_deltas")


def test_a_cycle_is_an_error_that_names_the_models_in_it(tmp_path):
    sql_dir = write_models(
        tmp_path,
        {
            "staging/stg_a": "select * from observations",
            "intermediate/int_b": "select * from mart_c",
            "marts/mart_c": "select * from int_b join stg_a using (id)",
        },
    )
    with pytest.raises(DependencyCycleError) as error:
        build_models(duckdb.connect(), sql_dir=sql_dir)
    assert error.value.cycle == ["int_b", "mart_c", "int_b"]
    assert "int_b -> mart_c -> int_b" in str(error.value)


def test_models_on_a_missing_raw_table_are_skipped_with_the_reason_and_so_is_their_downstream():
    con = duckdb.connect()
    create_raw_schema(con, without=("experiments",))
    report = build_models(con)
    assert report.ok
    assert report["stg_experiments"].status == "skipped"
    assert report["stg_experiments"].reason == "missing raw table(s): experiments"
    assert report["mart_experiment_summary"].status == "skipped"
    assert "upstream model(s) not built" in report["mart_experiment_summary"].reason
    assert report["fct_traces"].status == "built"
    assert report["mart_cost_daily"].status == "built"


def test_rebuilding_is_idempotent(raw_con):
    first = build_models(raw_con)
    # Rounded: DuckDB's parallel float sums may differ in the last bit from run to run.
    totals_before = raw_con.execute(
        "select round(sum(total_cost_usd), 9), count(*) from analytics.fct_traces"
    ).fetchall()
    second = build_models(raw_con)
    totals_after = raw_con.execute(
        "select round(sum(total_cost_usd), 9), count(*) from analytics.fct_traces"
    ).fetchall()
    assert first.built == second.built
    assert [r.rows for r in first.results] == [r.rows for r in second.results]
    assert totals_before == totals_after


def test_the_search_path_is_restored_and_staging_views_work_without_it(raw_con):
    build_models(raw_con)
    assert raw_con.execute("select current_setting('search_path')").fetchall() == [("",)]
    # A reader (BI tool, notebook) never sets the runner's search_path.
    # 13 raw observations, one deleted upstream.
    assert raw_con.execute("select count(*) from analytics.stg_observations").fetchall() == [(12,)]


def test_raw_and_target_schemas_are_configurable():
    con = duckdb.connect()
    create_raw_schema(con, schema="lf_raw")
    report = build_models(con, raw_schema="lf_raw", target_schema="marts")
    assert report.ok and "fct_traces" in report.built
    assert con.execute("select count(*) from marts.fct_traces").fetchall() == [(9,)]


def test_select_builds_only_the_named_models_and_plus_adds_what_they_read(raw_con):
    report = build_models(raw_con, select=["+mart_cost_daily"])
    assert report.built == ["stg_observations", "int_generations", "mart_cost_daily"]
    only = build_models(raw_con, select=["mart_cost_by_user"])
    assert only.built == ["mart_cost_by_user"]  # int_generations exists from the first build
    with pytest.raises(ValueError, match="unknown model"):
        build_models(raw_con, select=["no_such_model"])


def test_a_failing_model_is_reported_and_its_downstream_skipped(tmp_path):
    sql_dir = write_models(
        tmp_path,
        {
            "staging/stg_observations": "select id from observations",
            "intermediate/int_broken": "select no_such_column from stg_observations",
            "marts/mart_after_broken": "select * from int_broken",
        },
    )
    con = duckdb.connect()
    create_raw_schema(con)
    report = build_models(con, sql_dir=sql_dir)
    assert not report.ok
    assert report["int_broken"].status == "failed" and "no_such_column" in report["int_broken"].reason
    assert report["mart_after_broken"].reason == "upstream model(s) not built: int_broken"


def test_key_tests_pass_on_the_built_models_and_catch_duplicates_and_nulls(tmp_path, raw_con):
    build_models(raw_con)
    assert run_model_tests(raw_con) == []

    sql_dir = write_models(
        tmp_path,
        {
            "marts/mart_bad_key": "-- key: trace_id, environment\nselect trace_id, environment from observations where deleted_at is null"
        },
    )
    build_models(raw_con, sql_dir=sql_dir)
    failures = {(f.model, f.test): f.failing_rows for f in run_model_tests(raw_con, sql_dir=sql_dir)}
    # t1 has 3 observations and t2 two (one deleted upstream); the six experiment traces one each.
    assert failures == {("mart_bad_key", "unique"): 5}


def test_cli_builds_a_database_file_and_prints_the_models(tmp_path, capsys):
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        create_raw_schema(con, without=("datasets",))
    exit_code = main(["--database", str(database), "--select", "+fct_traces"])
    printed = capsys.readouterr().out
    assert exit_code == 0
    assert "fct_traces" in printed and "Built 2 models, 0 skipped, 0 failed" in printed


def test_a_raw_table_with_only_the_always_present_columns_still_builds():
    con = duckdb.connect()
    con.execute("create schema langfuse")
    con.execute(
        """
        create table langfuse.observations as
        select 'p1' as project_id, 'o1' as id, 't1' as trace_id, 'SPAN' as type,
               timestamptz '2025-01-01 10:00:00+00' as start_time,
               null::timestamptz as deleted_at, 'load-1' as _dlt_load_id, 'x' as _dlt_id
        """
    )
    report = build_models(con, select=["+fct_traces", "+mart_latency_daily", "+mart_cost_daily"])
    assert report.ok, report.as_table()
    rows = con.execute(
        "select trace_id, latency_seconds, total_cost_usd, tags, environment from analytics.fct_traces"
    ).fetchall()
    assert rows == [("t1", 0.0, 0.0, None, "default")]
    assert run_model_tests(con) == []


@pytest.mark.parametrize("table", ["prompts", "models", "score_configs", "comments", "dataset_items"])
def test_staging_for_tables_the_marts_do_not_read_builds_on_a_bare_raw_table(table):
    con = duckdb.connect()
    con.execute("create schema langfuse")
    con.execute(
        f"create table langfuse.{table} as select 'p1' as project_id, 'x1' as id, '[\"a\"]'::json as tags"
    )
    report = build_models(con, select=[f"stg_{table}"])
    assert report.built == [f"stg_{table}"], report.as_table()
    assert con.execute(f"select count(*) from analytics.stg_{table}").fetchall() == [(1,)]
