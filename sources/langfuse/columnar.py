"""Raw page bytes → Arrow by DuckDB's JSON reader, in C++ outside the GIL (``arrow.py`` takes parsed rows).

Parsing a 1,000-observation page with orjson and building its Arrow table column by column holds
the GIL for ~25-40 ms: on two cores that, not the network, bounded a sync. DuckDB's reader does both,
and checks every row's keys, in ~12-16 ms without the GIL, so the next page downloads and the last one
is written to dlt meanwhile.

It needs the page's layout (which keys, which types): DuckDB probes it from the first page of a read,
by the Python path's rules. A page DuckDB cannot take exactly as laid out (a key not seen before, an
untyped column that received a value, a value that does not cast) is decoded by the Python path
instead (``arrow.rows_to_table``), which also names the culprit of a page that cannot be loaded at
all, and the layout learns from it. Pages of one read share a layout, so nearly every page takes
the fast path.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from sources.langfuse.arrow import ARROW_TYPES, snake_case
from sources.langfuse.http import decode_json_object
from sources.langfuse.quoting import identifier

DUCKDB_TYPES = {
    "timestamp": "TIMESTAMPTZ",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "json": "JSON",
    "text": "VARCHAR",
}
_MIN_MEMORY_LIMIT = 128 * 2**20
# Connections decoding at once: enough to keep the cores busy, whatever the requests in flight.
DECODER_SLOTS = min(4, os.cpu_count() or 2)
_UNTYPED = "untyped"  # a key only ever seen null: read as JSON, to notice when a value arrives
_CURSOR = "__page_cursor"
_KEYS = "__page_keys"


class _Closed(Exception):
    pass


@dataclass
class Page:
    """One decoded page: ``table`` when DuckDB decoded it, else ``rows`` (the API's camelCase dicts)."""

    cursor: str | None
    rows: list[dict[str, Any]] | None = None
    table: pa.Table | None = None

    def __len__(self) -> int:
        return self.table.num_rows if self.table is not None else len(self.rows or ())


def python_page(content: bytes) -> Page:
    body = decode_json_object(content)
    return Page(cursor=(body.get("meta") or {}).get("cursor"), rows=body.get("data"))


class ColumnarDecoder:
    """Decodes the pages of one read; probes their layout, and learns from pages the Python path decoded.

    Thread-safe: pages are decoded in the fetching threads (prefetch, sub-window readers) and the
    layout learned in the consumer. A decode borrows one of at most ``slots`` DuckDB connections (each
    with its scratch file): a page is ~15 ms of work against the hundreds of milliseconds a distant
    server takes to send it, so a few connections serve any number of readers, and the memory each
    connection's buffer pool keeps does not grow with ``--concurrency``.
    """

    def __init__(self, declared: Mapping[str, str], slots: int = DECODER_SLOTS):
        self._declared = dict(declared)
        self._layout: dict[str, str] | None = None  # API key -> type, in the page's key order
        self._query: str | None = None
        self._lock = threading.Lock()
        self._idle: queue.LifoQueue[_Slot] = queue.LifoQueue()  # the warmest connection first
        self._free_slots = threading.Semaphore(slots)
        self._opened: list[_Slot] = []
        self._closed = False
        self.fast_pages = 0
        self.python_pages = 0

    def decode(self, content: bytes) -> Page:
        try:
            with self._slot() as slot:
                return self._decode(slot, content)
        except _Closed:
            return python_page(content)

    def _decode(self, slot: _Slot, content: bytes) -> Page:
        connection, path = slot.load(content)
        with self._lock:
            query, layout = self._query, self._layout
        if query is None:
            layout = self._probe_layout(connection, path)
            if layout is not None:
                with self._lock:
                    if self._query is None:
                        self._adopt(layout)
                    query, layout = self._query, self._layout
        if query is not None:
            page = self._decode_columnar(connection, path, len(content), query, layout)
            if page is not None:
                self.fast_pages += 1
                return page
        self.python_pages += 1
        return python_page(content)

    def learn(self, rows: list[dict[str, Any]], discovered: Mapping[str, str]) -> None:
        """Adopt the layout of a page the Python path converted; its undeclared types are ``discovered``."""
        layout: dict[str, str] = {}
        for row in rows:
            for key in row:
                if key not in layout:
                    name = snake_case(key)
                    layout[key] = self._declared.get(name) or discovered.get(name) or _UNTYPED
        with self._lock:
            if self._layout is not None:
                for key, data_type in self._layout.items():
                    if layout.get(key, _UNTYPED) == _UNTYPED:
                        layout[key] = data_type
            self._adopt(layout)

    def _adopt(self, layout: dict[str, str]) -> None:
        if layout != self._layout:
            self._layout = layout
            self._query = _query(layout)

    def _probe_layout(self, connection: duckdb.DuckDBPyConnection, path: str) -> dict[str, str] | None:
        """The first page's layout, read by DuckDB: decoding it in Python would cost ~50 MB of objects
        that the allocator then keeps. Keys in first-seen order; an undeclared key is text if its first
        value is a string, JSON otherwise, untyped while null: the Python path's rules exactly."""
        try:
            rows = connection.sql("SELECT json_keys(content, '$.data[*]') FROM read_text($1)",
                                  params=[path]).fetchall()
            layout: dict[str, str] = {}
            for key in dict.fromkeys(key for row_keys in rows[0][0] or () for key in row_keys):
                layout[key] = self._declared.get(snake_case(key)) or self._probe_type(connection, path, key)
        except (duckdb.Error, TypeError, IndexError):
            return None  # not a page DuckDB can read (the Python path will say why)
        return layout or None

    @staticmethod
    def _probe_type(connection: duckdb.DuckDBPyConnection, path: str, key: str) -> str:
        json_path = "$.data[*]." + '"' + key.replace('"', '\\"') + '"'
        types = connection.sql("SELECT json_type(content, $2) FROM read_text($1)", params=[path, json_path]).fetchall()
        for json_type in types[0][0] or ():
            if json_type not in (None, "NULL"):
                return "text" if json_type == "VARCHAR" else "json"
        return _UNTYPED

    # --- the fast path ------------------------------------------------------------------------------

    def _decode_columnar(self, connection: duckdb.DuckDBPyConnection, path: str, size: int, query: str,
                         layout: dict[str, str]) -> Page | None:
        try:
            table = connection.sql(query, params=[path, size + 1]).to_arrow_table()
        except duckdb.Error:
            return None  # not castable as laid out, or not JSON at all: the Python path says which
        if table.num_rows == 0:
            return None  # an empty page (or no data at all): cheap either way, and the Python path checks it
        cursor = table[_CURSOR][0].as_py()
        keys = table[_KEYS][0].as_py()
        if keys is None or not set(keys) <= layout.keys():
            return None  # a key this layout has not seen: the Python path adds its column
        arrays, fields = [], []
        for key, data_type in layout.items():
            column = table[key]
            if data_type == _UNTYPED:
                if column.null_count != len(column):
                    return None  # a value arrived for a column no page had typed yet
                continue  # as the Python path: no column until a value types it
            arrays.append(column)
            fields.append(pa.field(snake_case(key), ARROW_TYPES[data_type]))
        present = {f.name for f in fields}
        for name, data_type in self._declared.items():
            if name not in present:
                arrays.append(pa.nulls(table.num_rows, ARROW_TYPES[data_type]))
                fields.append(pa.field(name, ARROW_TYPES[data_type]))
        # The Python path's names and types exactly, so dlt sees one schema whichever decoded a page.
        schema = pa.schema(fields)
        return Page(cursor=cursor, table=pa.Table.from_arrays(arrays, names=schema.names).cast(schema))

    @contextmanager
    def _slot(self) -> Iterator[_Slot]:
        """Borrow a connection: an idle one, a new one while fewer than ``slots`` exist, else wait."""
        self._free_slots.acquire()
        try:
            if self._closed:
                raise _Closed  # a late page of an abandoned prefetch
            try:
                slot = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    if self._closed:
                        raise _Closed from None
                    slot = _Slot()
                    self._opened.append(slot)
            try:
                yield slot
            finally:
                self._idle.put(slot)
        finally:
            self._free_slots.release()

    def close(self) -> None:
        """Close every connection and scratch file (call once the reading threads are done)."""
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, []
        for slot in opened:
            slot.close()


class _Slot:
    """One DuckDB connection and the scratch file it reads pages from."""

    def __init__(self) -> None:
        self.connection = duckdb.connect()
        self.scratch = _ScratchFile()
        # One thread: the sync's other thread is busy too, and a page is small work. The page file is
        # rewritten in place, so no cache of it may ever be trusted.
        self.connection.execute("SET threads = 1; SET TimeZone = 'UTC'; SET enable_external_file_cache = false")
        self.memory_limit = 0

    def load(self, content: bytes) -> tuple[duckdb.DuckDBPyConnection, str]:
        """This connection, with ``content`` in its scratch file (rewritten in place)."""
        # DuckDB's buffer pool keeps what it used, up to its limit (80% of RAM by default): a limit
        # sized to the page keeps the decoder at a few tens of MB over a long read. Much lower and
        # it frees and re-faults its buffers on every page (3x the page faults, +50% CPU).
        needed = max(_MIN_MEMORY_LIMIT, 4 * len(content))
        if needed > self.memory_limit:
            self.connection.execute(f"SET memory_limit = '{needed // 2**20 + 1}MB'")
            self.memory_limit = needed
        self.scratch.write(content)
        return self.connection, self.scratch.path

    def close(self) -> None:
        self.connection.close()
        self.scratch.close()


class _ScratchFile:
    """The file DuckDB reads a page from. On Linux it is unlinked at once and read through
    /proc/self/fd, so not even a kill -9 leaves it behind."""

    def __init__(self) -> None:
        handle, self._name = tempfile.mkstemp(prefix="langfuse-page-", suffix=".json", dir=_scratch_dir())
        self._fd = handle
        self.path = f"/proc/self/fd/{handle}"
        if os.path.exists(self.path):
            os.unlink(self._name)
            self._name = None
        else:
            self.path = self._name

    def write(self, content: bytes) -> None:
        written = 0
        while written < len(content):  # pwrite may write less than asked
            written += os.pwrite(self._fd, memoryview(content)[written:], written)
        os.ftruncate(self._fd, len(content))

    def close(self) -> None:
        os.close(self._fd)
        if self._name is not None:
            os.unlink(self._name)


def _scratch_dir() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _query(layout: Mapping[str, str]) -> str:
    struct = ", ".join(f"{identifier(key)} {DUCKDB_TYPES.get(t, 'JSON')}" for key, t in layout.items())
    return (
        f"SELECT unnest(data, recursive := true), meta->>'cursor' AS {_CURSOR}, "
        # Every key of every row, to notice one the layout lacks (the struct read drops it silently).
        f"(SELECT list_distinct(flatten(json_keys(content, '$.data[*]'))) FROM read_text($1)) AS {_KEYS} "
        f"FROM read_json($1, maximum_object_size = $2, columns = {{data: 'STRUCT({_escape(struct)})[]', meta: 'JSON'}})"
    )


def _escape(text: str) -> str:
    return text.replace("'", "''")
