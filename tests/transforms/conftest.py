"""Fixtures: a raw `langfuse` schema from hand-written rows, and the models built on top of it."""

from __future__ import annotations

import duckdb
import pytest
from langfuse_raw_fixture import create_raw_schema

from transforms import BuildReport, build_models


@pytest.fixture
def raw_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    create_raw_schema(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def built() -> tuple[duckdb.DuckDBPyConnection, BuildReport]:
    """Built once per test module: the mart tests only read."""
    con = duckdb.connect()
    create_raw_schema(con)
    report = build_models(con)
    yield con, report
    con.close()


@pytest.fixture(scope="module")
def mart(built):
    """mart("fct_traces", "trace_id = 't1'") -> list of row dicts, ordered by all columns."""
    con, _ = built

    def rows(model: str, where: str = "true") -> list[dict]:
        cursor = con.execute(f"select * from analytics.{model} where {where} order by all")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    return rows
