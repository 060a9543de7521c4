"""Fixtures: a DuckDB file holding a raw `langfuse` schema of hand-written rows, and the marts dbt built on it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from langfuse_raw_fixture import create_raw_schema

from transforms import BuildReport, Warehouse, build_marts


def raw_warehouse(path: Path, **options) -> Path:
    """A DuckDB file with the fixture's raw tables (options: schema=, without=)."""
    with duckdb.connect(str(path)) as con:
        create_raw_schema(con, **options)
    return path


def read_rows(database: Path, query: str) -> list[dict]:
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(query)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, BuildReport]:
    """The fixture built once for the session, the project's dbt unit tests included: the mart tests only read."""
    database = raw_warehouse(tmp_path_factory.mktemp("built") / "warehouse.duckdb")
    report = build_marts(Warehouse(database=str(database)), unit_tests=True)
    assert report.ok, report.as_table()
    return database, report


@pytest.fixture(scope="session")
def mart(built):
    """mart("fct_traces", "trace_id = 't1'") -> list of row dicts, ordered by all columns."""
    database, _ = built

    def rows(model: str, where: str = "true") -> list[dict]:
        return read_rows(database, f"select * from analytics.{model} where {where} order by all")

    return rows
