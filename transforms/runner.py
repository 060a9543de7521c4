"""Build the SQL models in dependency order inside one DuckDB database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from transforms.graph import ancestors, build_order
from transforms.models import LAYERS, Model, discover_models, model_dependencies, raw_dependencies
from transforms.report import BuildReport, ModelResult


def _default_sql_dir() -> Path:
    """sql/ beside the package in a checkout (editable install); transforms/sql/ if packaged inside it."""
    package_dir = Path(__file__).resolve().parent
    bundled = package_dir / "sql"
    return bundled if bundled.is_dir() else package_dir.parent / "sql"


DEFAULT_SQL_DIR = _default_sql_dir()
DEFAULT_RAW_SCHEMA = "langfuse"
DEFAULT_TARGET_SCHEMA = "analytics"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables_in_schema(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, str]:
    """Table and view names in `schema` of the current database, mapped to 'BASE TABLE' or 'VIEW'."""
    rows = con.execute(
        """
        select lower(table_name), table_type
        from information_schema.tables
        where table_schema = ? and table_catalog = current_database()
        """,
        [schema],
    ).fetchall()
    return dict(rows)


def select_models(select: list[str] | None, dependencies: dict[str, set[str]]) -> set[str]:
    """Names to build. `+name` also selects everything `name` reads, like dbt's graph operator."""
    if not select:
        return set(dependencies)
    chosen: set[str] = set()
    for item in select:
        with_ancestors = item.startswith("+")
        name = item.lstrip("+").strip().lower()
        if name not in dependencies:
            raise ValueError(
                f"unknown model {name!r} in select; known models: {', '.join(sorted(dependencies))}"
            )
        chosen.add(name)
        if with_ancestors:
            chosen |= ancestors(name, dependencies)
    return chosen


def qualified_sql(model: Model, models: dict[str, Model], raw_schema: str, target_schema: str) -> str:
    """The model's SQL with bare table names schema-qualified.

    The search_path makes bare names work while building; qualifying them as well keeps staging views
    working for readers who open the database later without that search_path (BI tools, notebooks).
    """
    sql = model.sql
    for ref in sorted(model.references, key=lambda r: r.start, reverse=True):
        if ref.schema is not None:
            continue
        schema = target_schema if ref.name in models else raw_schema
        sql = sql[: ref.start] + f"{quote_identifier(schema)}.{quote_identifier(ref.name)}" + sql[ref.end :]
    return sql.strip().rstrip(";")


@contextmanager
def search_path(con: duckdb.DuckDBPyConnection, schemas: list[str]) -> Iterator[None]:
    previous = con.execute("select current_setting('search_path')").fetchall()[0][0]
    con.execute("set search_path = ?", [",".join(schemas)])
    try:
        yield
    finally:
        if previous:
            con.execute("set search_path = ?", [previous])
        else:
            con.execute("reset search_path")


def _reason_to_skip(
    model: Model,
    models: dict[str, Model],
    raw_tables: set[str],
    results: dict[str, ModelResult],
    existing_targets: set[str],
) -> str | None:
    missing_raw = sorted(raw_dependencies(model, models) - raw_tables)
    if missing_raw:
        return "missing raw table(s): " + ", ".join(missing_raw)
    unavailable = sorted(
        upstream
        for upstream in model_dependencies(model, models)
        if (results[upstream].status != "built" if upstream in results else upstream not in existing_targets)
    )
    if unavailable:
        return "upstream model(s) not built: " + ", ".join(unavailable)
    return None


def _materialize(
    con: duckdb.DuckDBPyConnection, model: Model, sql: str, target_schema: str, existing: dict[str, str]
) -> int:
    target = f"{quote_identifier(target_schema)}.{quote_identifier(model.name)}"
    # `create or replace table` cannot replace a view (or the reverse): a model that changed layer.
    previous_kind = existing.get(model.name)
    if previous_kind == "VIEW" and model.materialization == "table":
        con.execute(f"drop view {target}")
    elif previous_kind == "BASE TABLE" and model.materialization == "view":
        con.execute(f"drop table {target}")
    con.execute(f"create or replace {model.materialization} {target} as\n{sql}")
    return con.execute(f"select count(*) from {target}").fetchall()[0][0]


def build_models(
    con: duckdb.DuckDBPyConnection,
    *,
    raw_schema: str = DEFAULT_RAW_SCHEMA,
    target_schema: str = DEFAULT_TARGET_SCHEMA,
    sql_dir: Path | str = DEFAULT_SQL_DIR,
    select: list[str] | None = None,
) -> BuildReport:
    """Build every (or every selected) model: staging as views, intermediate and marts as tables.

    A model whose raw tables or upstream models are missing is skipped with the reason; a model whose SQL
    fails is reported as failed and its downstream models are skipped. Rebuilding is idempotent.
    Raises DependencyCycleError before building anything if models read each other in a loop.
    """
    models = discover_models(Path(sql_dir))
    dependencies = {name: model_dependencies(model, models) for name, model in models.items()}
    order = build_order(dependencies, priority=lambda name: LAYERS.index(models[name].layer))
    chosen = select_models(select, dependencies)

    con.execute(f"create schema if not exists {quote_identifier(target_schema)}")
    raw_tables = set(tables_in_schema(con, raw_schema))
    existing = tables_in_schema(con, target_schema)

    results: dict[str, ModelResult] = {}
    with search_path(con, [target_schema, raw_schema]):
        for name in order:
            if name not in chosen:
                continue
            model = models[name]
            reason = _reason_to_skip(model, models, raw_tables, results, set(existing))
            if reason:
                results[name] = ModelResult(name, model.layer, model.materialization, "skipped", reason)
                continue
            started = time.perf_counter()
            try:
                sql = qualified_sql(model, models, raw_schema, target_schema)
                rows = _materialize(con, model, sql, target_schema, existing)
            except duckdb.Error as error:
                results[name] = ModelResult(
                    name,
                    model.layer,
                    model.materialization,
                    "failed",
                    str(error).splitlines()[0],
                    seconds=time.perf_counter() - started,
                )
                continue
            existing[name] = "VIEW" if model.materialization == "view" else "BASE TABLE"
            results[name] = ModelResult(
                name,
                model.layer,
                model.materialization,
                "built",
                rows=rows,
                seconds=time.perf_counter() - started,
            )
    return BuildReport([results[name] for name in order if name in results])
