"""Several requests of one read in flight at once: sub-windows of a time range, and child fan-out.

A distant server answers a page in hundreds of milliseconds to seconds, so one request at a time
reaches a few percent of a plan's rate limit. Two ways to keep ``workers`` requests in flight, every
one of them paced by the client's one ``RequestPacer``:

- ``SubWindowReads``: a windowed resource's range is cut into closed-open sub-windows, each read
  newest first with its own cursor (or first pages) by a worker thread. Whenever workers are idle,
  the sub-window with the most rows left (guessed from the density of its pages so far) gives away
  older slices of what it has left, one for each idle worker. However the rows are spread in time
  (a backfill from 2023 whose rows are all from last week) the workers end up sharing them, and a
  range with less than a page left is never cut (a nightly run costs at most one extra request).
  Cutting down to a page matters at the end of a read: the last sub-windows would otherwise be read
  a page at a time while the other workers idle.
  The sub-window keeps ``[cut, end)`` and stops once its pages pass below ``cut``; the slices read
  ``[start, cut)`` between them. A row at exactly a cut belongs to one side only, by construction.
- ``fan_out``: the children of a parent's rows (prompt versions, queue items, run items) read by the
  workers, in order, at most ``workers`` at a time.

Memory stays bounded: pages wait in a small queue (a worker blocks on a full queue),
and the ``ChunkGate`` stops fetching at a chunk whatever the number of workers. Only the consumer
thread (the one dlt iterates) touches the warehouse-facing state: it counts rows, knows what each
sub-window has delivered, and decides the checkpoint from that (``unread``).
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from sources.langfuse import settings
from sources.langfuse.http import LangfuseClient
from sources.langfuse.memory import release_freed_memory
from sources.langfuse.windows import ONE_MS, Range, floor_ms, unread_below

T = TypeVar("T")
R = TypeVar("R")

# Without a plan there is no rate to saturate: enough requests in flight to hide the latency of a
# distant server (~800 ms a page, 163k observations against the simulator: 8 read 5.2x as fast as one,
# 16 read 7.6x, 24 no faster, the sync's own work on the pages being the bound, and 60 MB more held).
# A loaded self-hosted server is not given them all: past what it answers without slowing down,
# ``server_load`` cuts them back.
DEFAULT_WORKERS = 16
# What the sync itself spends on a page (decode, extract): a request in flight per this much latency
# keeps it busy, more only wait in its queue. So a server on the same machine or network gets one or
# two (about as fast as eight there, where the sync itself is the bottleneck, and 50-100 MB less held:
# 388 vs 438 MB peak at 200k observations; 4 instead of 2 in flight: 403 vs 317 MB at 163k), one
# 800 ms away all sixteen.
PAGE_WORK_SECONDS = 0.05
# With a plan: as many as its rate needs at the latency observed, but never more than this.
MAX_WORKERS = settings.MAX_REQUESTS_IN_FLIGHT
# A sub-window shorter than this is not cut again: a request per half would cost more than it saves.
MIN_SPLIT = timedelta(seconds=1)
# Slices cut for idle workers are guessed to hold at most this many pages each (``SubWindow.split``).
SLICE_PAGES = 16


@dataclass
class Concurrency:
    """How many requests of one read may be in flight: fixed (``--concurrency N``) or automatic."""

    fixed: int | None = None

    def workers(self) -> int:
        """Threads to start: the most this read can ever use."""
        return self.fixed or MAX_WORKERS

    def target(self, client: LangfuseClient) -> int:
        """Requests to keep in flight now. Automatic: a plan's rate times the latency observed
        (Little's law), with a margin for jitter; without a plan, one per ``PAGE_WORK_SECONDS`` of
        latency, at most ``DEFAULT_WORKERS``; either way never more than the server has answered
        without slowing down (``server_load``)."""
        if self.fixed:
            return self.fixed
        latency = client.stats.latency_seconds
        if latency is None:
            return 2  # nothing observed yet: start gently, the first pages tell
        per_second = client.pacer.requests_per_second
        if per_second is None:
            wanted = min(DEFAULT_WORKERS, math.ceil(latency / PAGE_WORK_SECONDS))
        else:
            wanted = min(MAX_WORKERS, math.ceil(per_second * latency * 1.25))
        return max(1, min(wanted, client.server_load.limit))


@dataclass(eq=False)
class SubWindow:
    """One closed-open part of a range, read newest first by one worker."""

    start: datetime  # rises when idle workers take older slices (under ``_lock``)
    end: datetime
    fetched_rows: int = 0  # the worker's: rows fetched, and the span of time they cover
    fetched_oldest: datetime | None = None
    fetched_newest: datetime | None = None
    delivered_oldest: datetime | None = None  # the consumer's: the oldest row it has handed on
    done: bool = False  # every page delivered (the consumer's)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def lower(self) -> datetime:
        with self._lock:
            return self.start

    def fetched(self, rows: int, oldest: datetime | None, newest: datetime | None = None) -> None:
        with self._lock:
            self.fetched_rows += rows
            if oldest is not None:
                self.fetched_oldest = oldest
            if newest is not None and (self.fetched_newest is None or newest > self.fetched_newest):
                self.fetched_newest = newest

    def unread(self) -> Range | None:
        return None if self.done else unread_below(self.start, self.end, self.delivered_oldest)

    def rows_left(self) -> float:
        """Rows still to fetch, guessed from the density of those fetched so far (0 before any)."""
        with self._lock:
            if self.fetched_oldest is None:
                return 0.0
            return self._rows_per_second() * (self.fetched_oldest - self.start).total_seconds()

    def _rows_per_second(self) -> float:
        # Over the time its rows cover, not from the window's end: the newest window of a backfill ends
        # now, and the weeks since the project's last row would make its rows look sparse.
        read = ((self.fetched_newest or self.end) - self.fetched_oldest).total_seconds()
        return self.fetched_rows / max(read, 0.001)

    def split(self, parts: int = 2, most_rows: float | None = None) -> list[SubWindow]:
        """Give away all but the newest of ``parts`` slices of what is left to fetch, oldest first.

        Equal slices, but none of the newer ones guessed to hold more than ``most_rows``: the oldest
        slice then takes the rest. A backfill's first window spans years before its first page shows
        where the rows are; equal slices of it would mostly be empty. Fewer slices (none) when one
        would be shorter than ``MIN_SPLIT / 2``.
        """
        with self._lock:
            frontier = self.end if self.fetched_oldest is None else floor_ms(self.fetched_oldest)
            parts = min(parts, int((frontier - self.start) / (MIN_SPLIT / 2)))
            if parts < 2:
                return []
            width = (frontier - self.start) / parts
            if most_rows is not None and self.fetched_oldest is not None and self.fetched_rows:
                width = max(min(width, timedelta(seconds=most_rows / self._rows_per_second())), MIN_SPLIT / 2)
            cuts = [floor_ms(frontier - width * i) for i in range(parts - 1, 0, -1)]
            bounds = [self.start, *cuts]
            older = [SubWindow(low, high) for low, high in zip(bounds, bounds[1:], strict=False)]
            self.start = cuts[-1]
            return older


_DONE = object()


class _ConsumerGone(Exception):
    pass


class SubWindowReads:
    """Reads ``ranges`` as sub-windows on ``pool``; ``tables()`` yields their pages as Arrow tables.

    ``fetch(range)`` yields the pages of one sub-window (its own paginator); ``to_table`` converts a
    page (in the worker, so conversion runs beside the downloads). ``target()`` says how many
    sub-windows to keep in flight.
    """

    def __init__(self, ranges: Iterable[Range], fetch: Callable[[Range], Iterator[object]],
                 to_table: Callable[[object], pa.Table], cursor_column: str, pool: ThreadPoolExecutor,
                 target: Callable[[], int], depth: int, min_split_rows: int,
                 on_stop: Callable[[], None] = lambda: None):
        self._on_stop = on_stop  # wakes workers the fetch itself may hold (the chunk gate)
        self._fetch, self._to_table, self._cursor_column = fetch, to_table, cursor_column
        self._pool, self._target = pool, target
        self._pages: queue.Queue = queue.Queue(maxsize=max(2, depth))
        self._stop = threading.Event()
        self._min_split_rows = min_split_rows
        self._windows = [SubWindow(start, end) for start, end in ranges]
        self._active: list[SubWindow] = []
        self._futures: list[Future] = []
        self._fetching = 0  # workers in a request now (``_request_slot``)
        self._fetching_changed = threading.Condition()
        self.delivered = 0  # rows handed on (the consumer's count, for the chunk decision)

    def unread(self) -> list[Range]:
        """What is left of the range: each sub-window below the oldest row it delivered."""
        return [part for window in self._windows if (part := window.unread()) is not None]

    def tables(self) -> Iterator[pa.Table]:
        try:
            for window in list(self._windows):
                self._start(window)
            self._split_for_idle_workers()
            while self._active:
                window, table, error = self._pages.get()
                if table is _DONE:
                    if error is not None:
                        raise error
                    window.done = True
                    self._active.remove(window)
                    self._split_for_idle_workers()
                    continue
                self.delivered += table.num_rows
                if table.num_rows:
                    oldest = pc.min(table[self._cursor_column]).as_py()
                    if window.delivered_oldest is None or oldest < window.delivered_oldest:
                        window.delivered_oldest = oldest
                yield table
                self._split_for_idle_workers()  # its pages so far tell how many rows are left
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers (each finishes at most the request it is in) and wait for them."""
        self._stop.set()
        self._on_stop()
        while any(not f.done() for f in self._futures):
            try:
                self._pages.get(timeout=0.05)  # unblock a worker waiting on a full queue
            except queue.Empty:
                pass
        self._futures.clear()
        release_freed_memory()  # a finished read frees its pages: give them back before the load

    # --- the consumer's scheduling ----------------------------------------------------------------

    def _start(self, window: SubWindow) -> None:
        self._active.append(window)
        self._futures.append(self._pool.submit(self._read, window))

    def _split_for_idle_workers(self) -> None:
        """Keep ``target()`` sub-windows in flight by cutting the one with the most rows left.

        Only once its pages tell how dense it is, and only while a page's worth is left: a cut costs a
        request, and an empty slice (a backfill's years without data) would cost more cuts.
        It is cut into as many slices as there are idle workers at once (its rows are taken to be as
        dense below as above, for ``SLICE_PAGES`` pages a slice at most), so a read reaches its requests
        in flight one latency after its first page, not one latency per halving.
        """
        while (idle := self._target() - len(self._active)) > 0:
            fullest = max(self._active, key=SubWindow.rows_left, default=None)
            if fullest is None:
                return
            pages_left = fullest.rows_left() / self._min_split_rows
            if pages_left < 1:
                return
            older = fullest.split(max(2, min(idle + 1, int(pages_left))), most_rows=SLICE_PAGES * self._min_split_rows)
            if not older:
                return
            for window in older:
                self._windows.append(window)
                self._start(window)

    # --- a worker ---------------------------------------------------------------------------------

    def _read(self, window: SubWindow) -> None:
        try:
            part: Range | None = (window.lower(), window.end)
            while part is not None:
                part = self._read_part(window, part)
            self._put((window, _DONE, None))
        except _ConsumerGone:
            return
        except BaseException as error:  # handed to the consumer, who raises it in its own thread
            self._put((window, _DONE, error))

    def _read_part(self, window: SubWindow, part: Range) -> Range | None:
        """Pages of ``part`` newest first, until they pass below the sub-window; what is left of it to
        read instead, when an idle worker took an older slice while this read was under way."""
        lower, _ = part
        pages = self._fetch(part)
        try:
            while True:
                with self._request_slot():
                    page = next(pages, _DONE)
                if page is _DONE:
                    return None
                table = self._to_table(page)
                span = pc.min_max(table[self._cursor_column]).as_py() if table.num_rows else {}
                oldest = span.get("min")
                window.fetched(table.num_rows, oldest, span.get("max"))
                if not self._put((window, table, None)):
                    raise _ConsumerGone
                if oldest is None:
                    continue
                # Newest first: once a page reaches below the sub-window, every later page belongs to
                # the other one. Rows of this page below the bound are kept: they are in the range, and
                # the key dedup drops the second copy.
                if oldest < window.lower():
                    return None
                if window.lower() > lower:
                    # Cut since this read began: the next page, asked with the old lower bound, would
                    # run on into the slice given away. Ask for what is left instead (from the oldest
                    # millisecond this read reached: its tied rows come again, and are deduplicated).
                    return window.lower(), floor_ms(oldest) + ONE_MS
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()

    @contextmanager
    def _request_slot(self) -> Iterator[None]:
        """At most ``target()`` of the workers fetch at once: sub-windows outlive the moment they were
        cut for, and a target that fell (the server answers faster than it first did) must bind the
        requests, and the pages held, of the sub-windows already running too."""
        with self._fetching_changed:
            while self._fetching >= max(1, self._target()):
                if self._stop.is_set():
                    raise _ConsumerGone
                self._fetching_changed.wait(0.1)
            self._fetching += 1
        try:
            yield
        finally:
            with self._fetching_changed:
                self._fetching -= 1
                self._fetching_changed.notify()

    def _put(self, entry: tuple) -> bool:
        while not self._stop.is_set():
            try:
                self._pages.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False  # the consumer has gone


def fan_out(pool: ThreadPoolExecutor, read: Callable[[T], R], items: Iterable[T], in_flight: Callable[[], int]
            ) -> Iterator[R]:
    """``read(item)`` for every item on ``pool``, at most ``in_flight()`` at a time, results in order."""
    pending: list[Future] = []
    try:
        for item in items:
            pending.append(pool.submit(read, item))
            while len(pending) >= max(1, in_flight()):
                yield pending.pop(0).result()
        while pending:
            yield pending.pop(0).result()
    finally:
        for future in pending:
            future.cancel()
        for future in pending:
            if not future.cancelled():
                future.exception()  # wait: it may be using the client the caller closes next
