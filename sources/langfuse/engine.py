"""The one fetch engine: reads any ResourceSpec page by page and yields Arrow tables.

It owns pagination (cursor or offset; stops on a missing cursor or an empty page, never on
totalPages, which Langfuse only approximates), parent → child fan-out, time windows with
checkpoints, and the page → Arrow conversion. HTTP concerns live in ``http.LangfuseClient``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from sources.langfuse import progress, settings
from sources.langfuse.arrow import rows_to_table, snake_case_keys
from sources.langfuse.columnar import ColumnarDecoder, Page, python_page
from sources.langfuse.errors import LangfuseSyncError, QueryTooHeavyError, restated
from sources.langfuse.http import LangfuseClient
from sources.langfuse.paging import PageSize, column_values, times
from sources.langfuse.prefetch import prefetch
from sources.langfuse.specs import ChildRequest, ResourceSpec
from sources.langfuse.windows import (
    ONE_MS,
    RunBounds,
    Window,
    checkpoint_window,
    complete_window,
    floor_ms,
    format_ts,
    parse_ts,
    plan_window,
)

Row = dict[str, Any]

log = logging.getLogger("langfuse_warehouse.engine")

IO_COLUMNS = ("input", "output", "expected_output")
METADATA_COLUMNS = ("metadata", "experiment_item_metadata", "experiment_metadata")


@dataclass(frozen=True)
class Privacy:
    """What a team must not copy: io and metadata can be excluded or replaced by a SHA-256."""

    io: str = "keep"  # keep | exclude | hash
    metadata: str = "keep"

    def field_groups(self, groups: str | None) -> str | None:
        if groups is None:
            return None
        dropped = set()
        if self.io == "exclude":
            dropped.add("io")
        if self.metadata == "exclude":
            dropped |= {"metadata", "itemMetadata", "experimentMetadata"}
        return ",".join(g for g in groups.split(",") if g not in dropped)

    def excluded_columns(self) -> set[str]:
        return (set(IO_COLUMNS) if self.io == "exclude" else set()) | (
            set(METADATA_COLUMNS) if self.metadata == "exclude" else set())

    def apply(self, table: pa.Table) -> pa.Table:
        for columns, mode in ((IO_COLUMNS, self.io), (METADATA_COLUMNS, self.metadata)):
            if mode == "keep":
                continue
            for column in columns:
                if column not in table.column_names:
                    continue
                index = table.column_names.index(column)
                if mode == "exclude":
                    table = table.remove_column(index)
                else:
                    digests = pa.array([_digest(v) for v in table[column].to_pylist()], pa.string())
                    table = table.set_column(index, column, digests)
        return table


def _digest(value: Any) -> str | None:
    if value is None:
        return None
    return "sha256:" + hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()


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
    rows_read: int = 0
    more_pending: bool = False
    # Primary keys yielded so far (one load): lets the merge skip dlt's staging deduplication.
    _seen_keys: set[Any] = field(default_factory=set, repr=False)
    # The prefetching producer pauses once a chunk's worth of rows is fetched, until the consumer
    # knows whether it checkpoints there (then the producer abandons) or must read on (ties).
    _chunk_gate: threading.Event = field(default_factory=threading.Event, repr=False)
    _abandon: bool = False
    # Decodes this resource's own pages straight to Arrow (windowed reads only: see ``tables``).
    _decoder: ColumnarDecoder | None = field(default=None, repr=False)
    _fetched: int = 0
    _consumed: int = 0
    scope: str | None = None  # what is being read ("full read", "window [from, to)"): named on failure

    # --- public ---------------------------------------------------------------------------------

    def tables(self, state: dict[str, Any]) -> Iterator[pa.Table]:
        """Arrow tables of this resource, updating ``state`` (the dlt resource state of the project).

        Pages are handed to dlt in batches of ``settings.ITEM_ROWS`` rows: dlt's extract costs a
        schema computation and a hints validation per item, more than a 1,000-row page's own write.
        """
        yield from _batched(self._tables(state), settings.ITEM_ROWS)
        progress.current().finished(self.spec.name, self.project_id)

    def _tables(self, state: dict[str, Any]) -> Iterator[pa.Table]:
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
            self._decoder = ColumnarDecoder(self.spec.columns)
        try:
            with self._naming_failures(f"window [{format_ts(window.start)}, {format_ts(window.end)})"):
                yield from self._windowed_tables(state, window)
        finally:
            if self._decoder is not None:
                self._decoder.close()

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

    def _snapshot_if_changed(self, state: dict[str, Any]) -> Iterator[pa.Table]:
        """A full read, loaded only when it differs from the last one (so a no-op run loads nothing).

        These resources are small (datasets, configs, models, queues…), so holding one snapshot in
        memory to fingerprint it is cheap.
        """
        digest = hashlib.sha256()
        tables = []
        for table in self._tables_of(self._rows(self.spec, {}, None)):
            digest.update(_ipc_bytes(table))
            tables.append(table)
        fingerprint = digest.hexdigest()
        if state.get("fingerprint") == fingerprint:
            self.rows_read = 0
            return
        state["fingerprint"] = fingerprint
        yield from tables

    # --- windows --------------------------------------------------------------------------------

    def _parent_window_spec(self) -> ResourceSpec | None:
        parent = self.specs.get(self.spec.parent) if self.spec.parent else None
        return parent if parent is not None and parent.window is not None else None

    def _release_producer(self) -> None:
        """The consumer is done: a producer paused at the chunk gate must stop, not wait forever."""
        self._abandon = True
        self._chunk_gate.set()

    def _windowed_tables(self, state: dict[str, Any], window: Window) -> Iterator[pa.Table]:
        # Only a resource that is itself windowed and read newest-first can checkpoint mid-range.
        can_checkpoint = self.spec.window is not None
        oldest: datetime | None = None
        for table in self._tables_of(self._rows(self.spec, {}, window)):
            yield table
            if not can_checkpoint:
                continue
            if table.num_rows:
                page_oldest = pc.min(table[self.spec.window.cursor_column]).as_py()
                oldest = page_oldest if oldest is None or page_oldest < oldest else oldest
            if self._consumed >= self.chunk_rows and not self._chunk_gate.is_set():
                if oldest is not None and checkpoint_window(state, window, oldest):
                    self.more_pending = True
                    return
                self._chunk_gate.set()  # one timestamp spans the chunk: read on past it
        complete_window(state, window)

    # --- rows -----------------------------------------------------------------------------------

    def _rows(self, spec: ResourceSpec, path_params: Mapping[str, str], window: Window | None) -> Iterator[list[Row]]:
        """Pages of ``spec``'s rows, fanned out from its parent when it has one.

        Rows keep the API's camelCase keys unless the spec reshapes them (the table builder names
        columns once per page); a parent's rows are always snake_case and shaped for ``expand``.
        """
        if spec.parent is not None:
            parent = self.specs[spec.parent]
            parent_window = window if parent.window is not None else None
            for parent_page in self._rows(parent, {}, parent_window):
                for parent_row in parent_page:
                    row = parent_row if parent.shape is not None else snake_case_keys(parent_row)
                    for child in spec.expand(row):
                        yield from self._pages(spec, child, window=None)
            return
        yield from self._pages(spec, ChildRequest(path_params, {}), window)

    def _params(self, spec: ResourceSpec, child: ChildRequest, window: Window | None) -> dict[str, Any]:
        params: dict[str, Any] = dict(spec.params)
        params.update(child.params)
        fields = self.privacy.field_groups(spec.fields)
        if fields:
            params["fields"] = fields
        if window is not None and spec.window is not None:
            params[spec.window.from_param] = format_ts(window.start)
            params[spec.window.to_param] = format_ts(window.end)
        elif spec.required_from_param:
            params[spec.required_from_param] = format_ts(settings.EARLIEST_DATA)
        return params

    def _pages(self, spec: ResourceSpec, child: ChildRequest, window: Window | None) -> Iterator[list[Row] | pa.Table]:
        # Names are user text ("regression/ja-zh"): each one is a single, encoded path segment.
        path = spec.path.format(**{k: quote(str(v), safe="") for k, v in child.path_params.items()})
        params = self._params(spec, child, window)
        chunked = spec is self.spec and spec.window is not None and spec.paging == "cursor"
        pages = self._raw_pages(spec, path, params, chunked)
        if spec.paging == "cursor":
            pages = prefetch(pages, on_stop=self._release_producer if chunked else None)
        for page in pages:
            if chunked:
                self._consumed += len(page)
            if spec.shape is not None:
                page = [spec.shape(snake_case_keys(raw)) for raw in page]
            yield page

    def _raw_pages(self, spec: ResourceSpec, path: str, params: dict[str, Any],
                   chunked: bool = False) -> Iterator[list[Row] | pa.Table]:
        """Pages as the API's rows, or as Arrow tables where the columnar decoder took them."""
        decode = self._decoder.decode if self._decoder is not None and spec is self.spec else python_page
        if spec.paging == "single":
            yield [self.client.get(path, params)]
        elif spec.paging == "cursor":
            cursor = None
            size = PageSize(spec.max_page_size)
            while True:
                page = self._page(path, {**params, "cursor": cursor}, decode, size)
                data = _data(page, path)
                cursor = page.cursor
                if len(data):
                    yield data
                    self._fetched += len(data)
                if not cursor:
                    return
                if chunked and self._fetched >= self.chunk_rows:
                    # Runs in the prefetch thread: do not fetch pages a checkpoint would throw away.
                    while not self._chunk_gate.wait(timeout=0.5):
                        pass
                    if self._abandon:
                        return
        elif spec.newest_first and spec.window.to_param in params:
            yield from self._newest_first(spec, path, params, decode)
        else:
            yield from self._offset_pages(path, params, decode, spec.max_page_size)

    def _page(self, path: str, params: dict[str, Any], decode: Any, size: PageSize, offset: int | None = None) -> Page:
        """One page at the largest size the server takes (``paging.PageSize``); ``offset`` for offset pages."""
        while True:
            limit = size.limit
            query = {**params, "limit": limit}
            if offset is not None:
                query["page"] = offset // limit + 1
            try:
                page = self.client.get(path, query, decode, shrinkable=limit > 1)
            except QueryTooHeavyError as heavy:
                size.shrink(offset or 0)
                self.client.stats.retries["http 422: smaller page"] += 1
                log.info("%s; asking again with limit %d", heavy, size.limit)
                continue
            size.passed(0 if offset is None else offset + limit)  # cursor pages need no alignment
            return page

    def _offset_pages(self, path: str, params: dict[str, Any], decode: Any, maximum: int) -> Iterator[list[Row] | pa.Table]:
        size = PageSize(maximum)
        offset = 0
        while True:
            limit = size.limit
            data = _data(self._page(path, params, decode, size, offset), path)
            if not len(data):
                return
            yield data
            offset += limit  # not len(data): Langfuse's pages can be short mid-list

    def _newest_first(self, spec: ResourceSpec, path: str, params: dict[str, Any], decode: Any) -> Iterator[list[Row] | pa.Table]:
        """A legacy offset list's window, read as first pages of a shrinking window, never page 2.

        The v3 lists order on their time column alone, so rows tied on it come back in an order that
        changes from query to query (a tied row at a page boundary is served twice or never), and rows
        arriving while a client pages shift every offset after them. A first page has no boundary
        before it: every row newer than its oldest timestamp was on it, so the next request asks for
        the window up to and including that oldest millisecond (those tied rows are read again and
        deduplicated by key). Progress needs one page to hold more than one millisecond; a millisecond
        that fills a page on its own is read by ``_one_millisecond``.
        """
        window = spec.window
        upper = parse_ts(params[window.to_param])
        size = PageSize(spec.max_page_size)
        while True:
            page = self._page(path, {**params, window.to_param: format_ts(upper)}, decode, size, offset=0)
            data = _data(page, path)
            if not len(data):
                return
            yield data
            stamps = times(data, window.cursor_column)
            oldest = floor_ms(min(stamps))
            if floor_ms(max(stamps)) > oldest:
                upper = oldest + ONE_MS
            else:
                yield from self._one_millisecond(spec, path, params, decode, oldest)
                upper = oldest

    def _one_millisecond(self, spec: ResourceSpec, path: str, params: dict[str, Any], decode: Any,
                         moment: datetime) -> Iterator[list[Row] | pa.Table]:
        """Every row of one millisecond that holds more than a page.

        With an order the server keeps inside the millisecond (``spec.tie_order``: traces by id),
        offset pages are exact (an insert can only repeat a row). Without one, the millisecond is read
        again until ``settings.TIE_STABLE_PASSES`` passes in a row find no new key.
        """
        window = spec.window
        params = {**params, window.from_param: format_ts(moment), window.to_param: format_ts(moment + ONE_MS),
                  **spec.tie_order}
        if spec.tie_order:
            yield from self._offset_pages(path, params, decode, spec.max_page_size)
            return
        key_columns = spec.primary_key
        seen: set[tuple] = set()
        quiet = 0
        for _ in range(settings.TIE_MAX_PASSES):
            before = len(seen)
            for data in self._offset_pages(path, params, decode, spec.max_page_size):
                seen.update(zip(*(column_values(data, name) for name in key_columns), strict=True))
                yield data
            quiet = quiet + 1 if len(seen) == before else 0
            if quiet >= settings.TIE_STABLE_PASSES:
                return
        log.warning("%s: %d rows share %s and the server keeps no order among them; read %d times, the "
                    "last passes still found new rows", path, len(seen), format_ts(moment), settings.TIE_MAX_PASSES)

    def _tables_of(self, pages: Iterator[list[Row] | pa.Table]) -> Iterator[pa.Table]:
        # Closed here, not whenever the garbage collector gets to it: a failure's traceback keeps the
        # page generators alive, and their prefetch thread may still be decoding with the columnar
        # decoder's connection, which the caller then closes (DuckDB refuses: connection busy).
        try:
            yield from self._tables_of_pages(pages)
        finally:
            close = getattr(pages, "close", None)  # a generator; tests hand in plain iterators
            if close is not None:
                close()

    def _tables_of_pages(self, pages: Iterator[list[Row] | pa.Table]) -> Iterator[pa.Table]:
        for page in pages:
            if not len(page):
                continue
            if isinstance(page, pa.Table):
                table = page
            else:
                try:
                    table, discovered = rows_to_table(page, self.spec.columns)
                except ValueError as error:
                    raise LangfuseSyncError(f"a page could not be loaded: {error}") from None
                if self._decoder is not None:
                    self._decoder.learn(page, discovered)
            table = self.privacy.apply(table)
            project = pa.repeat(pa.scalar(self.project_id, pa.string()), table.num_rows)
            if "project_id" in table.column_names:  # v2 observations carry it: one column, the key's
                table = table.set_column(table.column_names.index("project_id"), "project_id", project)
            else:
                table = table.append_column("project_id", project)
            table = self._without_seen_keys(table)
            self.rows_read += table.num_rows
            progress.current().page(self.spec.name, self.project_id, table.num_rows)
            yield table

    def _without_seen_keys(self, table: pa.Table) -> pa.Table:
        """Drop rows whose primary key this reader already yielded; the first copy wins.

        Keyset pagination serves a row twice only if it moved (its time changed) mid-read. Doing the
        deduplication here, one set lookup per row, lets the resource declare its staged data
        deduplicated: dlt's own dedup is a window over every column of the staging table, which cost
        more time and memory than the rest of the load together (4-5x the plain insert).
        """
        columns = [table[name] for name in self.spec.primary_key]
        if len(columns) == 1:
            keys = columns[0].to_pylist()
        else:  # one string per key: a third of the memory of a tuple of strings
            keys = pc.binary_join_element_wise(*[pc.cast(c, pa.string()) for c in columns], "\x1f").to_pylist()
        page_keys = set(keys)
        if len(page_keys) == len(keys) and self._seen_keys.isdisjoint(page_keys):
            self._seen_keys |= page_keys
            return table
        keep = []
        for key in keys:
            keep.append(key not in self._seen_keys)
            self._seen_keys.add(key)
        return table.filter(pa.array(keep, pa.bool_()))


def _batched(tables: Iterator[pa.Table], min_rows: int) -> Iterator[pa.Table]:
    """Tables of at least ``min_rows`` rows (but the last), concatenated without copying."""
    pending: list[pa.Table] = []
    rows = 0
    for table in tables:
        pending.append(table)
        rows += table.num_rows
        if rows >= min_rows:
            yield _concat(pending)
            pending, rows = [], 0
    if pending:
        yield _concat(pending)


def _concat(tables: list[pa.Table]) -> pa.Table:
    # A page may lack a column an earlier one had (an undeclared field, all null there): fill it.
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")


def _ipc_bytes(table: pa.Table) -> pa.Buffer:
    """The table's Arrow IPC bytes: the same content always serialises the same, without Python objects."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _data(page: Page, path: str) -> list[Row] | pa.Table:
    if page.table is not None:
        return page.table
    if page.rows is None:
        return []
    if not isinstance(page.rows, list):
        raise LangfuseSyncError(f"{path}: 'data' is not a list")
    return page.rows
