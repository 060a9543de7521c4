"""The one fetch engine: reads any ResourceSpec of one project and yields Arrow tables to dlt.

It decides *what* to read (a full read, or the run's time window with checkpoints, fanning out from
a parent where the spec has one) and hands the reading to the parts that own each concern:
``paginators`` (the pages of one list), ``concurrency`` (sub-windows and child requests in flight at
once), ``chunk_gate`` (how far fetching may run ahead of a checkpoint), ``prefetch`` (the next page
of a serial list downloads while this one is converted), ``page_tables`` (pages → Arrow, privacy,
``project_id``, dedup). HTTP concerns live in ``http.LangfuseClient``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from sources.langfuse import paginators, progress, settings
from sources.langfuse.arrow import snake_case_keys
from sources.langfuse.chunk_gate import ChunkGate
from sources.langfuse.columnar import ColumnarDecoder, python_page
from sources.langfuse.concurrency import Concurrency, SubWindowReads, fan_out
from sources.langfuse.errors import LangfuseSyncError, restated
from sources.langfuse.http import LangfuseClient
from sources.langfuse.page_tables import PageTables
from sources.langfuse.paginators import ListRequest, RawPage
from sources.langfuse.prefetch import prefetch
from sources.langfuse.privacy import Privacy
from sources.langfuse.specs import ChildRequest, ResourceSpec
from sources.langfuse.state import ProjectState
from sources.langfuse.windows import (
    Range,
    RunBounds,
    Window,
    checkpoint_window,
    complete_window,
    format_ts,
    plan_window,
)

log = logging.getLogger("langfuse_warehouse.engine")

# Pages converted and waiting for the consumer, beyond the one each worker holds: enough to absorb
# bursts; more would only hold memory, as the consumer (dlt's extract) sets the pace when it is slower.
PAGE_QUEUE = 4


@dataclass
class ResourceReader:
    """Reads one resource of one project; ``specs`` resolves parents by name."""

    client: LangfuseClient
    project_id: str
    spec: ResourceSpec
    specs: Mapping[str, ResourceSpec]
    bounds: RunBounds
    privacy: Privacy = field(default_factory=Privacy)
    chunk_rows: int = settings.DEFAULT_CHUNK_ROWS
    concurrency: Concurrency = field(default_factory=Concurrency)
    scope: str | None = None  # what is being read ("full read", "window [from, to)"): named on failure
    _page_tables: PageTables = field(init=False, repr=False)
    _pool: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._page_tables = PageTables(self.spec, self.project_id, self.privacy)

    @property
    def rows_read(self) -> int:
        return self._page_tables.rows_read

    # --- public ---------------------------------------------------------------------------------

    def tables(self, state: ProjectState) -> Iterator[pa.Table]:
        """Arrow tables of this resource, updating ``state`` (this resource's, of this project).

        Pages are handed to dlt in batches of ``settings.ITEM_ROWS`` rows: dlt's extract costs a
        schema computation and a hints validation per item, more than a 1,000-row page's own write.
        """
        with ThreadPoolExecutor(self.concurrency.workers(), thread_name_prefix="langfuse-read") as self._pool:
            yield from batched(self._tables(state), settings.ITEM_ROWS)
        progress.current().finished(self.spec.name, self.project_id)

    def _tables(self, state: ProjectState) -> Iterator[pa.Table]:
        window_spec = self.spec.window or self._parent_window_spec()
        if window_spec is None:
            with self._naming_failures("full read"):
                yield from self._snapshot_if_changed(state)
            return
        window = plan_window(state, self.bounds)
        if window is None:
            return
        progress.current().window(self.spec.name, self.project_id, format_ts(window.start), format_ts(window.end))
        if self.spec.window is not None and self.spec.shape is None:
            # Only incremental reads: a full read is fingerprinted, and the two decoders may write
            # the same JSON number differently (1.02e-6 / 0.00000102), which would look like a change.
            self._page_tables.decoder = ColumnarDecoder(self.spec.columns)
        try:
            with self._naming_failures(f"window [{format_ts(window.start)}, {format_ts(window.end)})"):
                yield from self._windowed_tables(state, window)
        finally:
            if self._page_tables.decoder is not None:
                self._page_tables.decoder.close()

    @contextmanager
    def _naming_failures(self, what: str) -> Iterator[None]:
        """A failure deep in paging names the endpoint and cause; the operator also needs to know
        which table, project and time range stopped, to judge what the next run will re-read."""
        self.scope = what
        try:
            yield
        except LangfuseSyncError as error:
            context = f"{self.spec.name} (project {self.project_id}, {what})"
            raise restated(error, f"{context}: {error}") from None

    def _snapshot_if_changed(self, state: ProjectState) -> Iterator[pa.Table]:
        """A full read, loaded only when it differs from the last one (so a no-op run loads nothing).

        These resources are small (datasets, configs, models, queues…), so holding one snapshot in
        memory to fingerprint it is cheap.
        """
        digest = hashlib.sha256()
        tables = []
        with _closing(self._pages_of(self.spec, None)) as pages:
            for table in self._page_tables.tables_of(pages):
                digest.update(_ipc_bytes(table))
                tables.append(table)
        fingerprint = digest.hexdigest()
        if state.fingerprint == fingerprint:
            self._page_tables.rows_read = 0
            return
        state.fingerprint = fingerprint
        yield from tables

    # --- windows --------------------------------------------------------------------------------

    def _parent_window_spec(self) -> ResourceSpec | None:
        parent = self.specs.get(self.spec.parent) if self.spec.parent else None
        return parent if parent is not None and parent.window is not None else None

    def _windowed_tables(self, state: ProjectState, window: Window) -> Iterator[pa.Table]:
        if self.spec.window is None:  # a child of a windowed parent (prompts): read in one go
            for part in window.ranges:
                with _closing(self._pages_of(self.spec, part)) as pages:
                    yield from self._page_tables.tables_of(pages)
            complete_window(state, window)
            return
        # Only a resource read by cursor commits mid-range.
        chunked = self.spec.paging == "cursor"
        gate = ChunkGate(self.chunk_rows) if chunked else ChunkGate()
        reads = SubWindowReads(
            window.ranges,
            fetch=lambda part: self._list_pages(self.spec, ChildRequest(), part, gate, prefetched=False),
            to_table=self._page_tables.table_of, cursor_column=self.spec.window.cursor_column, pool=self._pool,
            target=self._in_flight, depth=PAGE_QUEUE, min_split_rows=self.spec.max_page_size, on_stop=gate.close,
        )
        with _closing(reads.tables()) as tables:
            for table in tables:
                if table.num_rows:
                    yield self._page_tables.finished(table)
                if chunked and reads.delivered >= self.chunk_rows and not gate.is_open:
                    if checkpoint_window(state, window, reads.unread()):
                        return
                    gate.open()  # one timestamp spans the chunk in every sub-window: read on past it
        complete_window(state, window)

    def _in_flight(self) -> int:
        return self.concurrency.target(self.client)

    # --- pages ----------------------------------------------------------------------------------

    def _pages_of(self, spec: ResourceSpec, window: Range | None, gate: ChunkGate | None = None) -> Iterator[RawPage]:
        """Pages of ``spec``'s rows, fanned out from its parent when it has one.

        Rows keep the API's camelCase keys unless the spec reshapes them (the table builder names
        columns once per page); a parent's rows are always snake_case and shaped for ``expand``.
        """
        if spec.parent is None:
            yield from self._list_pages(spec, ChildRequest(), window, gate)
            return
        parent = self.specs[spec.parent]
        parent_window = window if parent.window is not None else None

        def children() -> Iterator[ChildRequest]:
            for parent_page in self._pages_of(parent, parent_window):
                for parent_row in parent_page:
                    yield from spec.expand(parent_row if parent.shape is not None else snake_case_keys(parent_row))

        def read(child: ChildRequest) -> list[RawPage]:
            return list(self._list_pages(spec, child, None, prefetched=False))

        for pages in fan_out(self._pool, read, children(), self._in_flight):
            yield from pages

    def _list_request(self, spec: ResourceSpec, child: ChildRequest, window: Range | None,
                      gate: ChunkGate | None) -> ListRequest:
        # Names are user text ("regression/ja-zh"): each one is a single, encoded path segment.
        path = spec.path.format(**{k: quote(str(v), safe="") for k, v in child.path_params.items()})
        params: dict[str, Any] = {**spec.params, **child.params}
        fields = self.privacy.field_groups(spec.fields)
        if fields:
            params["fields"] = fields
        if window is not None and spec.window is not None:
            params[spec.window.from_param] = format_ts(window[0])
            params[spec.window.to_param] = format_ts(window[1])
        elif spec.required_from_param:
            params[spec.required_from_param] = format_ts(settings.EARLIEST_DATA)
        decoder = self._page_tables.decoder
        decode = decoder.decode if decoder is not None and spec is self.spec else python_page
        return ListRequest(self.client, path, params, spec.max_page_size, decode, gate or ChunkGate())

    def _list_pages(self, spec: ResourceSpec, child: ChildRequest, window: Range | None,
                    gate: ChunkGate | None = None, prefetched: bool = True) -> Iterator[RawPage]:
        """The pages of one list; ``prefetched``: a thread fetches the next page meanwhile (a list read
        alone; a sub-window or a child runs in a worker already, beside the others)."""
        request = self._list_request(spec, child, window, gate)
        if spec.paging == "single":
            pages = paginators.single_page(request)
        elif spec.paging == "cursor":
            pages = paginators.cursor_pages(request)
            if prefetched:
                pages = prefetch(pages, on_stop=request.gate.close)
        elif spec.newest_first and window is not None:
            pages = paginators.newest_first_pages(request, spec.window, spec.tie_order, spec.primary_key)
        else:
            pages = paginators.offset_pages(request)
        with _closing(pages):
            for page in pages:
                if spec.shape is not None:
                    page = [spec.shape(snake_case_keys(raw)) for raw in page]
                yield page


@contextmanager
def _closing(pages: Iterator[Any]) -> Iterator[Iterator[Any]]:
    # Closed here, not whenever the garbage collector gets to it: a failure's traceback keeps the
    # page generators alive, and their prefetch thread may still be decoding with the columnar
    # decoder's connection, which the caller then closes (DuckDB refuses: connection busy).
    try:
        yield pages
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()


def batched(tables: Iterator[pa.Table], min_rows: int) -> Iterator[pa.Table]:
    """Tables of at least ``min_rows`` rows (but the last), concatenated without copying."""
    held: list[pa.Table] = []
    rows = 0
    for table in tables:
        held.append(table)
        rows += table.num_rows
        if rows >= min_rows:
            yield _concat(held)
            held, rows = [], 0
    if held:
        yield _concat(held)


def _concat(tables: list[pa.Table]) -> pa.Table:
    # A page may lack a column an earlier one had (an undeclared field, all null there): fill it.
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")


def _ipc_bytes(table: pa.Table) -> pa.Buffer:
    """The table's Arrow IPC bytes: the same content always serialises the same, without Python objects."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()
