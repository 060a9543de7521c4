"""Check each built model's declared key (`-- key: a, b`): never null, never repeated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from transforms.models import discover_models
from transforms.runner import DEFAULT_SQL_DIR, DEFAULT_TARGET_SCHEMA, quote_identifier, tables_in_schema


@dataclass(frozen=True)
class KeyTestFailure:
    model: str
    test: str  # "not_null" or "unique"
    columns: tuple[str, ...]
    failing_rows: int

    def __str__(self) -> str:
        return f"{self.model}: {self.test}({', '.join(self.columns)}) failed for {self.failing_rows} row(s)"


def run_model_tests(
    con: duckdb.DuckDBPyConnection,
    *,
    target_schema: str = DEFAULT_TARGET_SCHEMA,
    sql_dir: Path | str = DEFAULT_SQL_DIR,
    select: list[str] | None = None,
) -> list[KeyTestFailure]:
    """Test the key of every built model that declares one (models not built are not tested)."""
    models = discover_models(Path(sql_dir))
    built = tables_in_schema(con, target_schema)
    wanted = {name.lstrip("+").lower() for name in select} if select else set(models)
    failures: list[KeyTestFailure] = []
    for name, model in sorted(models.items()):
        if name not in wanted or name not in built or not model.key:
            continue
        table = f"{quote_identifier(target_schema)}.{quote_identifier(name)}"
        columns = ", ".join(quote_identifier(column) for column in model.key)
        any_null = " or ".join(f"{quote_identifier(column)} is null" for column in model.key)
        null_rows = con.execute(f"select count(*) from {table} where {any_null}").fetchall()[0][0]
        if null_rows:
            failures.append(KeyTestFailure(name, "not_null", model.key, null_rows))
        duplicate_rows = con.execute(
            f"select coalesce(sum(n), 0) from (select count(*) as n from {table} group by {columns} having count(*) > 1)"
        ).fetchall()[0][0]
        if duplicate_rows:
            failures.append(KeyTestFailure(name, "unique", model.key, int(duplicate_rows)))
    return failures
