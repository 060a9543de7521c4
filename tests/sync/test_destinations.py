"""Parquet (the filesystem destination) holds the same data as DuckDB."""

import duckdb

from tests.sync.helpers import sync


def _without_dlt_columns(frame):
    return frame[[c for c in frame.columns if not c.startswith("_dlt")]]


def test_parquet_output_holds_the_same_rows_as_duckdb(sim, tmp_path):
    duck_dir, parquet_dir = tmp_path / "duck", tmp_path / "parquet"
    duck_dir.mkdir()
    parquet_dir.mkdir()
    tables = ["observations", "scores", "experiments", "datasets"]
    sync(sim, duck_dir, resources=tables)
    sync(sim, parquet_dir, resources=tables, destination="filesystem", database=str(parquet_dir / "lake"))
    con = duckdb.connect()
    con.execute(f"attach '{duck_dir}/warehouse.duckdb' as duck (read_only)")
    for table in tables:
        from_duckdb = _without_dlt_columns(con.sql(f"select * from duck.langfuse.{table}").df())
        from_parquet = _without_dlt_columns(
            con.sql(f"select * from read_parquet('{parquet_dir}/lake/langfuse/{table}/*.parquet')").df()
        )
        assert len(from_parquet) == len(from_duckdb) > 0, table
        with_trace = "trace_id" in from_duckdb and table == "observations"
        key = ["project_id", "trace_id", "id"] if with_trace else ["project_id", "id"]
        left = from_duckdb.sort_values(key).reset_index(drop=True)
        right = from_parquet[left.columns].sort_values(key).reset_index(drop=True)
        assert left.astype(str).equals(right.astype(str)), table
