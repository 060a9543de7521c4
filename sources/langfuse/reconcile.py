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

from sources.langfuse import Connection, column_hints
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


def reconciled_specs(api: str, resources: Sequence[str] | None = None) -> list[ResourceSpec]:
    """Time-ranged tables that can record a delete: those with a window and a deleted_at column."""
    return [
        spec for spec in specs_for(api).values()
        if spec.window is not None and "deleted_at" in spec.columns and spec.path in LISTING_FIELD_GROUPS
        and (resources is None or spec.name in resources)
    ]


def listing_fields(spec: ResourceSpec) -> str | None:
    return LISTING_FIELD_GROUPS[spec.path]


def _range_reader(connection: Connection, spec: ResourceSpec, start: datetime, end: datetime,
                  privacy: Privacy, concurrency: Concurrency) -> ResourceReader:
    bounds = RunBounds(run_end=end, since=start, until=end)
    return ResourceReader(connection.client, connection.project_id, spec, {spec.name: spec}, bounds, privacy,
                          chunk_rows=_NO_CHUNKING, concurrency=concurrency)


def _read_range(reader: ResourceReader) -> Iterator[pa.Table]:
    # A throwaway state: an explicit range read must not move the resource's real watermark.
    yield from reader.tables(ProjectState({}))


def listed_pages(connection: Connection, spec: ResourceSpec, start: datetime, end: datetime) -> Iterator[pa.Table]:
    """Pages of key columns, event time and updated_at of every row Langfuse holds in [start, end).

    Pages come as the API orders them: newest event time first.
    """
    cheap = replace(spec, fields=listing_fields(spec))
    schema = listing_schema(spec)
    # One request at a time: the comparison cuts the listing into slices in the API's order.
    for table in _read_range(_range_reader(connection, cheap, start, end, Privacy(), SERIAL)):
        columns = [table[name] if name in table.column_names else pa.nulls(table.num_rows, schema.field(name).type)
                   for name in schema.names]
        yield pa.Table.from_arrays(columns, schema=schema)


def listing_schema(spec: ResourceSpec) -> pa.Schema:
    times = (spec.window.cursor_column, "updated_at")
    return pa.schema([(name, pa.timestamp("us", tz="UTC") if name in times else pa.string())
                      for name in (*spec.primary_key, *times)])


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
    """The same tables as ``langfuse_source`` (same keys, hints and merge), restricted to ``ranges``.

    Named "langfuse" so it loads into the sync's schema; it never touches resource state, so the
    incremental watermarks stay where the sync left them. ``rows_read`` collects rows per table.
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
        yield dlt.resource(read, name=spec.name, primary_key=["project_id", *spec.primary_key],
                           write_disposition="merge", columns=column_hints(spec, privacy))
