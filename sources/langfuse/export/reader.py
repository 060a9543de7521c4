"""One export file → Arrow tables in the API path's shape, streamed column-wise by DuckDB.

DuckDB reads Parquet, JSON, JSONL and CSV (gzip too) in C++, converts every column in one SQL
projection (``columns.expressions``) and hands out record batches, so memory holds one batch
whatever the file's size and no Python touches a row. Remote files are read through the fsspec
filesystem registered with DuckDB (no httpfs extension to download).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

import duckdb
import pyarrow as pa

from sources.langfuse.arrow import ARROW_TYPES
from sources.langfuse.errors import LangfuseSyncError
from sources.langfuse.export.columns import TABLES, SourceColumns, expressions, is_integer_type, q
from sources.langfuse.export.manifest import ExportFile
from sources.langfuse.export.storage import is_local
from sources.langfuse.quoting import literal

# Rows per record batch: with whole io columns, a batch is tens of MB, held once or twice at a time
# (10,000 a batch and two decoding threads peaked at 410-432 MB loading 1M observations, 5,000 and one
# at 354-366 MB in the same time: the load, not the decoding, bounds the export's speed).
BATCH_ROWS = 5_000
# The largest row a text file may hold. DuckDB's JSON reader buffers twice this, inside its memory cap.
MAX_ROW_BYTES = 16 * 2**20
# Columns in every export of a table, whatever its field groups (core).
REQUIRED = {"observations_v2": ("id", "trace_id", "start_time"), "observations": ("id", "trace_id", "start_time"),
            "scores": ("id", "timestamp", "data_type"), "traces": ("id", "timestamp")}
# A file's latency is in milliseconds when it is this many times the observation's duration.
_MS_RATIO = 100


class ExportFileReader:
    def __init__(self, fs, memory_limit: str = "128MB", threads: int = 1):
        self._fs = fs
        self._con = duckdb.connect()
        self._con.execute(f"SET TimeZone = 'UTC'; SET memory_limit = '{memory_limit}'; SET threads = {threads}; "
                          "SET preserve_insertion_order = false")
        self._scheme = ""
        if not is_local(fs):
            self._con.register_filesystem(fs)
            protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
            self._scheme = f"{protocol}://"

    def close(self) -> None:
        self._con.close()

    def tables(self, file: ExportFile, declared: Mapping[str, str], since: datetime | None = None,
               batch_rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
        """The file's rows as warehouse columns; only rows whose window time is at or after ``since``."""
        if file.row_count == 0 or file.size_bytes == 0 or self._is_empty(file):
            return  # an empty table still gets a file: [] / 0 bytes
        try:
            source = self._source(file)
            if source is None:
                return
            relation, types = source
            missing = sorted(set(REQUIRED[file.table]) - types.keys())
            if missing:
                raise LangfuseSyncError(f"the export file {file.path} lacks the column(s) {', '.join(missing)} "
                                        f"that every {file.table} export has: is it a Langfuse export file?")
            columns = SourceColumns(types, empty_is_null=file.file_type == "csv")
            divisor = self._latency_divisor(relation, columns)
            select = expressions(file.table, columns, declared, divisor)
            time_column = TABLES[file.table][1]
            sql = f"SELECT {', '.join(f'{expr} AS {q(name)}' for name, expr in select.items())} FROM {relation}"
            params: list[object] = []
            if since is not None:
                sql = f"SELECT * FROM ({sql}) WHERE {q(time_column)} >= $1"
                params.append(since)
            if file.table == "observations":
                # The legacy query skips its LIMIT 1 BY id for OTEL projects: a file may hold an id twice.
                sql = (f"SELECT * FROM ({sql}) QUALIFY row_number() OVER "
                       f"(PARTITION BY trace_id, id ORDER BY updated_at DESC NULLS LAST) = 1")
            batches = self._con.sql(sql, params=params or None).to_arrow_reader(batch_rows)
            for batch in batches:
                if batch.num_rows:
                    yield conform(pa.Table.from_batches([batch]), declared)
        except duckdb.Error as error:
            raise LangfuseSyncError(f"the export file {file.path} ({file.file_type}) could not be read: "
                                    f"{type(error).__name__}: {str(error).splitlines()[0]}") from None

    def _is_empty(self, file: ExportFile) -> bool:
        """A 0-byte JSONL or CSV body (gzipped or not): Langfuse's file for a table without rows."""
        if file.file_type not in ("jsonl", "csv"):
            return False
        with self._fs.open(file.path, "rb", compression="gzip" if file.compressed else None) as handle:
            return handle.read(1) == b""

    def _source(self, file: ExportFile) -> tuple[str, dict[str, str]] | None:
        path = literal(self._scheme + file.path)
        compression = "'gzip'" if file.compressed else "'none'"
        if file.file_type == "parquet":
            relation = f"read_parquet({path})"
        elif file.file_type == "csv":
            relation = (f"read_csv({path}, header = true, all_varchar = true, quote = '\"', escape = '\"', "
                        f"compression = {compression}, max_line_size = {MAX_ROW_BYTES}, "
                        f"buffer_size = {2 * MAX_ROW_BYTES})")
        else:
            layout = "'array'" if file.file_type == "json" else "'newline_delimited'"
            options = f"format = {layout}, compression = {compression}, maximum_object_size = {MAX_ROW_BYTES}"
            first = self._con.execute(
                f"SELECT json_keys(json) FROM read_json_objects({path}, {options}) LIMIT 1").fetchall()
            if not first or not first[0][0]:
                return None  # an empty JSON array or JSONL file
            struct = ", ".join(f"{q(key)}: 'VARCHAR'" for key in first[0][0])
            relation = f"read_json({path}, {options}, columns = {{{struct}}})"
        described = self._con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        return relation, {name: data_type for name, data_type, *_ in described}

    def _latency_divisor(self, relation: str, columns: SourceColumns) -> float:
        """1000 when the file's latency is in milliseconds, else 1 (Langfuse switched to seconds in 2026-04).

        Parquet says it by type (Int64 ms, Float64 s). Text cannot (a whole second prints as ``6``
        either way), so a sample is compared with the observations' own durations.
        """
        if not columns.has("latency"):
            return 1.0
        latency_type = columns.types["latency"]
        if latency_type != "VARCHAR":
            return 1000.0 if is_integer_type(latency_type) else 1.0
        if not (columns.has("start_time") and columns.has("end_time")):
            return 1.0
        duration = (f"epoch(CAST({columns.raw('end_time')} AS TIMESTAMP) - "
                    f"CAST({columns.raw('start_time')} AS TIMESTAMP))")
        ratio = self._con.execute(
            f"SELECT median(CAST({columns.raw('latency')} AS DOUBLE) / d) FROM "
            f"(SELECT *, {duration} AS d FROM {relation} LIMIT 10000) "
            f"WHERE d > 0.01 AND CAST({columns.raw('latency')} AS DOUBLE) > 0").fetchall()[0][0]
        return 1000.0 if ratio is not None and ratio > _MS_RATIO else 1.0


def conform(table: pa.Table, declared: Mapping[str, str]) -> pa.Table:
    """The API path's Arrow types exactly (timestamps in µs UTC, strings, int64…), declared columns all present."""
    fields = [pa.field(name, ARROW_TYPES.get(declared.get(name, "text"), pa.string())) for name in table.column_names]
    arrays = [column if column.type == f.type else column.cast(f.type)
              for column, f in zip(table.columns, fields, strict=True)]
    for name, data_type in declared.items():
        if name not in table.column_names:
            fields.append(pa.field(name, ARROW_TYPES[data_type]))
            arrays.append(pa.nulls(table.num_rows, ARROW_TYPES[data_type]))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))
