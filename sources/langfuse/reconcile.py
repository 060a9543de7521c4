"""The API side of a reconcile: list what Langfuse still holds, cheaply, and refetch chosen hours.

Langfuse deletes are hard deletes and its lists have no updated-at filter (guide §1), so the only
way to find deleted rows, and rows changed or arrived outside the incremental look-back, is to list
a window's ids with their ``updatedAt`` and compare them with the warehouse. The listing asks for
the smallest field groups that still carry the key, the event time and ``updatedAt``; the refetch
reads only the hours that differ, with every field group, through the same engine as a sync.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from sources.langfuse import Connection, table_resource
from sources.langfuse.concurrency import Concurrency
from sources.langfuse.engine import ResourceReader
from sources.langfuse.privacy import Privacy
from sources.langfuse.specs import ResourceSpec, specs_for
from sources.langfuse.state import ProjectState
from sources.langfuse.windows import RunBounds

# The cheapest listing per endpoint. None sends no `fields` parameter:
# - /v3/scores: its core (id, timestamp, createdAt, updatedAt, ...) is always returned; every named
#   group (details, subject, annotation) only adds columns, and there is no group called "core".
# - /observations (v1, legacy): the endpoint has no field groups, so the listing reads whole rows
#   (io included). That is the price of reconciling a self-hosted v3 server.
LISTING_FIELD_GROUPS: Mapping[str, str | None] = {
    "/v2/observations": "core,time",  # core: id, traceId, startTime; time: updatedAt
    "/v3/scores": None,
    "/traces": "core",  # io, scores, observations and metrics left out
    "/observations": None,
    "/v2/scores": "score",  # without the trace group (the trace's user and tags)
}

# A refetch or listing range is read in one go: its pending/checkpoint machinery is not wanted.
_NO_CHUNKING = sys.maxsize
SERIAL = Concurrency(1)


def reconciled_tables(api: str, resources: Sequence[str] | None = None) -> list[ListedTable]:
    """Time-ranged tables that can record a delete: those with a window and a deleted_at column."""
    return [
        ListedTable(spec) for spec in specs_for(api).values()
        if spec.window is not None and "deleted_at" in spec.columns and spec.path in LISTING_FIELD_GROUPS
        and (resources is None or spec.name in resources)
    ]


def _range_reader(connection: Connection, spec: ResourceSpec, start: datetime, end: datetime,
                  privacy: Privacy, concurrency: Concurrency) -> ResourceReader:
    bounds = RunBounds(run_end=end, since=start, until=end)
    return ResourceReader(connection.client, connection.project_id, spec, {spec.name: spec}, bounds, privacy,
                          chunk_rows=_NO_CHUNKING, concurrency=concurrency)


def _read_range(reader: ResourceReader) -> Iterator[pa.Table]:
    # A throwaway state: an explicit range read must not move the resource's real watermark.
    yield from reader.tables(ProjectState({}))


class ListedTable:
    """One reconciled table as the API lists it: keys, event time and updatedAt of every row it holds."""

    def __init__(self, spec: ResourceSpec):
        self._spec = spec
        self.name = spec.name
        self.primary_key: tuple[str, ...] = tuple(spec.primary_key)
        self.cursor_column: str = spec.window.cursor_column
        # The field groups the listing asks for (None: the endpoint's default).
        self.listing_fields: str | None = LISTING_FIELD_GROUPS[spec.path]
        times = (self.cursor_column, "updated_at")
        self.schema = pa.schema([(name, pa.timestamp("us", tz="UTC") if name in times else pa.string())
                                 for name in (*self.primary_key, *times)])

    def pages(self, connection: Connection, start: datetime, end: datetime) -> Iterator[pa.Table]:
        """Pages (of ``schema``) of every row Langfuse holds in [start, end), newest event time first."""
        cheap = replace(self._spec, fields=self.listing_fields)
        # One request at a time: the comparison cuts the listing into slices in the API's order.
        for table in _read_range(_range_reader(connection, cheap, start, end, Privacy(), SERIAL)):
            columns = [table[name] if name in table.column_names
                       else pa.nulls(table.num_rows, self.schema.field(name).type) for name in self.schema.names]
            yield pa.Table.from_arrays(columns, schema=self.schema)


@dataclass(frozen=True)
class RefetchRange:
    """A closed-open range of event time of one table of one project to read again in full."""

    table: str
    project_id: str
    start: datetime
    end: datetime


@dlt.source(name="langfuse", max_table_nesting=0)
def refetch_source(
    connections: Sequence[Connection],
    api: str,
    ranges: Sequence[RefetchRange],
    privacy: Privacy | None = None,
    rows_read: dict[str, int] | None = None,
) -> Iterator[DltResource]:
    """The same tables as ``langfuse_source`` (same keys and hints), restricted to ``ranges``.

    Named "langfuse" so it loads into the sync's schema; it never touches resource state, so the
    incremental watermarks stay where the sync left them. ``rows_read`` collects rows per table.

    The merge is the sync's except that it does not promise deduplicated rows: each range has its
    own reader, which drops only the keys it has seen itself, and a row whose event time changed
    between two ranges' reads is listed by both; dlt's dedup of these few hours costs little.
    """
    specs = specs_for(api)
    by_project = {connection.project_id: connection for connection in connections}
    privacy = privacy or Privacy()
    counts = rows_read if rows_read is not None else {}

    def reader_of(spec: ResourceSpec, mine: list[RefetchRange]):
        # A closure, not default arguments: dlt would turn those into configuration fields.
        def read() -> Iterator[pa.Table]:
            for r in mine:
                reader = _range_reader(by_project[r.project_id], spec, r.start, r.end, privacy, Concurrency())
                yield from _read_range(reader)
                counts[spec.name] = counts.get(spec.name, 0) + reader.rows_read

        return read

    for name in sorted({r.table for r in ranges}):
        spec = specs[name]
        read = reader_of(spec, [r for r in ranges if r.table == name])
        yield table_resource(spec, read, privacy, deduplicated=False)
