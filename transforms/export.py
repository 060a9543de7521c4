"""`--export-parquet DIR`: every built mart as DIR/<mart>.parquet, for BI tools that read files.

Read after dbt has finished and released the warehouse (DuckDB allows one writer). dlt's
`dataset()` reader would serve every engine, but it only reads tables in dlt's own schema, so each
engine is read with its own client here.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from transforms.report import BuildReport
from transforms.warehouse import Warehouse, postgres_credentials, profile_for

BATCH_ROWS = 50_000


def _marts(report: BuildReport) -> list[str]:
    return [r.name for r in report.results if r.status == "built" and r.layer == "marts"]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def export_parquet(warehouse: Warehouse, report: BuildReport, directory: str | Path) -> list[Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    names = _marts(report)
    adapter = profile_for(warehouse).adapter
    if adapter == "duckdb":
        return _from_duckdb(warehouse, names, out)
    return _from_postgres(warehouse, names, out)


def _from_duckdb(warehouse: Warehouse, names: list[str], out: Path) -> list[Path]:
    import duckdb

    written = []
    with duckdb.connect(warehouse.database, read_only=True) as con:
        for name in names:
            path = out / f"{name}.parquet"
            table = f"{_quote(warehouse.target_schema)}.{_quote(name)}"
            con.execute(f"copy (select * from {table}) to '{path.as_posix()}' (format parquet)")
            written.append(path)
    return written


def _portable(value: object) -> object:
    """jsonb objects as JSON text (their keys differ row by row), numeric as double, as DuckDB writes them."""
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _from_postgres(warehouse: Warehouse, names: list[str], out: Path) -> list[Path]:
    # Imported here, like the driver: every `marts` run imports this module, few export from PostgreSQL.
    import psycopg2
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sources.langfuse.dlt_compat import destination_reference

    credentials = postgres_credentials(destination_reference(warehouse.destination), warehouse.raw_schema)
    written = []
    with psycopg2.connect(credentials.to_native_representation()) as connection:
        for name in names:
            path = out / f"{name}.parquet"
            # A named (server-side) cursor streams the rows instead of loading the whole mart at once.
            with connection.cursor(name=f"export_{name}") as cursor:
                cursor.itersize = BATCH_ROWS
                cursor.execute(f"select * from {_quote(warehouse.target_schema)}.{_quote(name)}")
                writer = None
                while batch := cursor.fetchmany(BATCH_ROWS):
                    columns = [column.name for column in cursor.description]
                    table = pa.Table.from_pylist(
                        [dict(zip(columns, map(_portable, row), strict=True)) for row in batch])
                    if writer is None:
                        writer = pq.ParquetWriter(path, table.schema)
                    writer.write_table(table.cast(writer.schema))
                if writer is None:
                    columns = [column.name for column in cursor.description or []]
                    pq.write_table(pa.table({c: pa.array([], pa.null()) for c in columns}), path)
                else:
                    writer.close()
            written.append(path)
    return written
