"""`sync --reconcile DAYS`: find what the incremental sync cannot see, and repair it.

After the incremental rounds, for each time-ranged table that can record a delete, the window
``[now - DAYS, synced watermark)`` is listed from the API with the cheapest field groups (ids, event
time, updatedAt) and compared with the warehouse's rows over the same window:

- a key the warehouse holds and Langfuse no longer lists was hard-deleted upstream: its row gets
  ``deleted_at`` (an UPDATE; the row stays, the marts drop it);
- a key Langfuse lists that the warehouse lacks (a late row outside the look-back), holds as deleted
  (it came back), or holds with an older updatedAt (changed outside the look-back): the hours that
  contain such keys are read again in full and merged on the key. A merge replaces the whole row,
  so a row that comes back also loses its deleted_at.

The listing is compared in slices of at most ``SLICE_ROWS`` keys, cut on event time as the pages
arrive (newest first), so memory holds one slice's keys and the listing costs no extra request.
The watermarks are not moved: the pass only repairs what lies below them.

Offset-paged lists (the legacy API) can skip a row when rows are deleted while the listing pages;
such a row is marked deleted by mistake and un-deleted by the next reconcile, which lists it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import dlt
import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sources.langfuse import Connection
from sources.langfuse.errors import ConfigurationError, LangfuseSyncError
from sources.langfuse.privacy import Privacy
from sources.langfuse.quoting import identifier, literal
from sources.langfuse.reconcile import ListedTable, RefetchRange, reconciled_tables, refetch_source
from sources.langfuse.state import SyncState
from sources.langfuse.windows import ONE_MS, floor_ms, parse_ts

log = logging.getLogger("langfuse_warehouse.reconcile")

# Keys of one slice are held in memory, about 100 bytes each: ~20 MB per slice.
SLICE_ROWS = 200_000
HOUR = timedelta(hours=1)
# Keys per UPDATE statement: well below any SQL engine's statement-size limits.
UPDATE_BATCH = 500


@dataclass
class TableReconcile:
    listing_fields: str | None  # the field groups the listing asked for (None: the endpoint's default)
    checked: int = 0  # upstream rows listed
    warehouse_rows: int = 0  # warehouse rows compared over the same window
    marked_deleted: int = 0
    refetch_hours: int = 0
    refetched_rows: int = 0


@dataclass
class ReconcileReport:
    days: int
    since: datetime
    tables: dict[str, TableReconcile] = field(default_factory=dict)
    requests: int = 0
    skipped: list[str] = field(default_factory=list)

    @property
    def marked_deleted(self) -> int:
        return sum(t.marked_deleted for t in self.tables.values())

    @property
    def refetched_rows(self) -> int:
        return sum(t.refetched_rows for t in self.tables.values())


def check_destination(destination: str) -> None:
    """Fail before syncing anything: marking a delete needs an UPDATE, which Parquet files lack."""
    if destination == "filesystem":
        raise ConfigurationError(
            "--reconcile needs a destination that can UPDATE rows (DuckDB or another SQL warehouse); "
            "the filesystem destination writes Parquet files it cannot change. Sync without --reconcile, "
            "or reconcile a DuckDB copy."
        )


def reconcile(
    pipeline: dlt.Pipeline,
    connections: Sequence[Connection],
    api: str,
    days: int,
    *,
    privacy: Privacy | None = None,
    resources: Sequence[str] | None = None,
    now: datetime | None = None,
) -> ReconcileReport:
    since = floor_ms((now or datetime.now(UTC)) - timedelta(days=days))
    report = ReconcileReport(days=days, since=since)
    requests_before = sum(c.client.stats.requests for c in connections)
    ranges: list[RefetchRange] = []
    existing = (set(pipeline.default_schema.data_table_names(seen_data_only=True))
                if pipeline.default_schema_name else set())
    for table in reconciled_tables(api, resources):
        if table.name not in existing:
            report.skipped.append(f"{table.name}: not in the warehouse yet")
            continue
        stats = report.tables.setdefault(table.name, TableReconcile(table.listing_fields))
        for connection in connections:
            watermark = _watermark(pipeline, table.name, connection.project_id)
            if watermark is None or watermark <= since:
                report.skipped.append(f"{table.name} of {connection.project_id}: nothing synced in the window")
                continue
            pages = table.pages(connection, since, watermark)
            for start, end, upstream in _slices(pages, table, since, watermark, SLICE_ROWS):
                ranges += _reconcile_slice(pipeline, connection, table, start, end, upstream, stats)
    if ranges:
        rows_read: dict[str, int] = {}
        pipeline.run(refetch_source(connections, api, ranges, privacy, rows_read))
        for name, rows in rows_read.items():
            report.tables[name].refetched_rows += rows
    report.requests = sum(c.client.stats.requests for c in connections) - requests_before
    return report


def _watermark(pipeline: dlt.Pipeline, table: str, project_id: str) -> datetime | None:
    return SyncState(pipeline.state).watermark(table, project_id)


def _slices(pages: Iterator[pa.Table], table: ListedTable, start: datetime, end: datetime,
            max_rows: int) -> Iterator[tuple[datetime, datetime, pa.Table]]:
    """Cut a newest-first listing of [start, end) into complete [from, to) slices of about max_rows.

    A slice ends just above the oldest millisecond seen so far: rows of that millisecond may go on
    in the next page, so they stay for the next slice. A page out of order would make a slice look
    incomplete and its rows look deleted, so it stops the pass instead.
    """
    column = table.cursor_column
    buffer: list[pa.Table] = []
    rows = 0
    upper = end
    for page in pages:
        newest = pc.max(page[column]).as_py() if page.num_rows else None
        if newest is not None and newest >= upper:
            raise LangfuseSyncError(
                f"{table.name}: the listing is not ordered newest first; nothing was marked deleted from it"
            )
        buffer.append(page)
        rows += page.num_rows
        if rows < max_rows:
            continue
        listed = pa.concat_tables(buffer)
        cut = floor_ms(pc.min(listed[column]).as_py()) + ONE_MS
        if cut >= upper:
            continue  # every row shares one millisecond: keep reading
        complete = pc.greater_equal(listed[column], pa.scalar(cut, listed.schema.field(column).type))
        yield cut, upper, listed.filter(complete)
        buffer, upper = [listed.filter(pc.invert(complete))], cut
        rows = buffer[0].num_rows
    yield start, upper, pa.concat_tables(buffer) if buffer else table.schema.empty_table()


def _reconcile_slice(pipeline: dlt.Pipeline, connection: Connection, table: ListedTable, start: datetime,
                     end: datetime, upstream: pa.Table, stats: TableReconcile) -> list[RefetchRange]:
    warehouse = _warehouse_keys(pipeline, table, connection.project_id, start, end)
    stats.checked += upstream.num_rows
    stats.warehouse_rows += warehouse.num_rows
    gone, stale_times = _diff(table, upstream, warehouse)
    stats.marked_deleted += _mark_deleted(pipeline, table, connection.project_id, gone)
    hours = sorted({t.replace(minute=0, second=0, microsecond=0) for t in stale_times})
    stats.refetch_hours += len(hours)
    return [RefetchRange(table.name, connection.project_id, max(first, start), min(last, end))
            for first, last in _runs_of_hours(hours)]


def _runs_of_hours(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Sorted hours as [first, last) ranges of consecutive hours: adjacent hours share one read."""
    runs: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + HOUR)
        else:
            runs.append((hour, hour + HOUR))
    return runs


# --- the warehouse side ---------------------------------------------------------------------------

def _ts_literal(value: datetime) -> str:
    return f"CAST({literal(value.astimezone(UTC).isoformat())} AS TIMESTAMP WITH TIME ZONE)"


def _warehouse_keys(pipeline: dlt.Pipeline, table: ListedTable, project_id: str, start: datetime,
                    end: datetime) -> pa.Table:
    with pipeline.sql_client() as client:
        column = client.escape_column_name
        cursor_column = column(table.cursor_column)
        keys = ", ".join(column(k) for k in table.primary_key)
        sql = (
            f"SELECT {keys}, {column('updated_at')} AS updated_at, {column('deleted_at')} AS deleted_at "
            f"FROM {client.make_qualified_table_name(table.name)} "
            f"WHERE {column('project_id')} = {literal(project_id)} "
            f"AND {cursor_column} >= {_ts_literal(start)} AND {cursor_column} < {_ts_literal(end)}"
        )
        with client.execute_query(sql) as cursor:
            rows = cursor.fetchall()
    names = [*table.primary_key, "updated_at", "deleted_at"]
    types = [pa.string()] * len(table.primary_key) + [pa.timestamp("us", tz="UTC")] * 2
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    return pa.Table.from_arrays([pa.array(list(values), t) for values, t in zip(columns, types, strict=True)],
                                names=names)


def _diff(table: ListedTable, upstream: pa.Table, warehouse: pa.Table) -> tuple[list[tuple], list[datetime]]:
    """(keys gone upstream, event times of upstream rows the warehouse lacks or holds stale)."""
    keys = ", ".join(identifier(k) for k in table.primary_key)
    on = " AND ".join(f"u.{identifier(k)} = w.{identifier(k)}" for k in table.primary_key)
    cursor_column = identifier(table.cursor_column)
    with duckdb.connect() as con:
        con.register("u", upstream)
        con.register("w", warehouse)
        gone = con.execute(
            f"SELECT {keys} FROM w WHERE deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM u WHERE {on})"
        ).fetchall()
        stale = con.execute(
            f"SELECT u.{cursor_column} FROM u LEFT JOIN w ON {on} "
            f"WHERE w.{identifier(table.primary_key[0])} IS NULL OR w.deleted_at IS NOT NULL "
            "OR u.updated_at > w.updated_at"
        ).fetchall()
    return gone, [parse_ts(t) for (t,) in stale if t is not None]


def _mark_deleted(pipeline: dlt.Pipeline, table: ListedTable, project_id: str, keys: list[tuple]) -> int:
    if not keys:
        return 0
    deleted_at = _ts_literal(floor_ms(datetime.now(UTC)))
    with pipeline.sql_client() as client:
        column = client.escape_column_name
        key_columns = ", ".join(column(k) for k in table.primary_key)
        for offset in range(0, len(keys), UPDATE_BATCH):
            batch = keys[offset:offset + UPDATE_BATCH]
            values = ", ".join("(" + ", ".join(literal(v) for v in key) + ")" for key in batch)
            client.execute_sql(
                f"UPDATE {client.make_qualified_table_name(table.name)} SET {column('deleted_at')} = {deleted_at} "
                f"WHERE {column('project_id')} = {literal(project_id)} AND {column('deleted_at')} IS NULL "
                f"AND ({key_columns}) IN ({values})"
            )
    log.info("%s: marked %d row(s) of project %s deleted upstream", table.name, len(keys), project_id)
    return len(keys)


def format_reconcile(report: ReconcileReport) -> str:
    lines = [f"Reconciled the last {report.days} day(s) (since {report.since:%Y-%m-%d %H:%M} UTC) "
             f"in {report.requests} requests."]
    width = max((len(name) for name in report.tables), default=0)
    for name, t in sorted(report.tables.items()):
        groups = t.listing_fields or "parameter not sent"
        lines.append(f"  {name:<{width}}  {t.checked:>10,} checked (fields {groups}), {t.marked_deleted:,} marked "
                     f"deleted, {t.refetch_hours:,} hour(s) refetched ({t.refetched_rows:,} rows)")
    lines += [f"  skipped {reason}" for reason in report.skipped]
    return "\n".join(lines)
