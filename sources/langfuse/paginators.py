"""The pages of one list, in the API's paging styles: cursor, offset, a single object, newest first.

Every function here yields *pages* (a page is the API's rows, or an Arrow table where the columnar
decoder took the body); none of them converts, filters or counts rows. Pagination stops on a missing
cursor or an empty page, never on ``totalPages``, which Langfuse only approximates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pyarrow as pa

from sources.langfuse import settings
from sources.langfuse.chunk_gate import ChunkGate
from sources.langfuse.columnar import Page, python_page
from sources.langfuse.errors import LangfuseSyncError, QueryTooHeavyError
from sources.langfuse.http import LangfuseClient
from sources.langfuse.paging import PageSize, column_values, times
from sources.langfuse.specs import TimeWindow
from sources.langfuse.windows import ONE_MS, floor_ms, format_ts, parse_ts

log = logging.getLogger("langfuse_warehouse.paginators")

Row = dict[str, Any]
RawPage = list[Row] | pa.Table


@dataclass(frozen=True)
class ListRequest:
    """One list endpoint with its query: what every paginator asks for, page after page."""

    client: LangfuseClient
    path: str
    params: Mapping[str, Any]
    max_page_size: int
    decode: Callable[[bytes], Page] = python_page
    # Rows are reserved here before each request, so fetching stops at a chunk (``chunk_gate``).
    gate: ChunkGate = field(default_factory=ChunkGate)

    def with_params(self, **params: Any) -> ListRequest:
        return replace(self, params={**self.params, **params})

    def page(self, size: PageSize, offset: int | None = None) -> Page | None:
        """One page at the largest size the server takes (``paging.PageSize``); ``offset`` for offset
        pages; None when the gate closed (the consumer stopped reading)."""
        while True:
            limit = size.limit
            query = {**self.params, "limit": limit}
            if offset is not None:
                query["page"] = offset // limit + 1
            if not self.gate.reserve(limit):
                return None
            try:
                page = self.client.get(self.path, query, self.decode, shrinkable=limit > 1)
            except QueryTooHeavyError as heavy:
                self.gate.settle(limit, 0)
                size.shrink(offset)
                self.client.stats.count_retry("http 422: smaller page")
                log.info("%s; asking again with limit %d", heavy, size.limit)
                continue
            except BaseException:
                self.gate.settle(limit, 0)
                raise
            self.gate.settle(limit, len(page))
            size.passed(len(page), None if offset is None else offset + limit)
            if len(page) == limit:
                self.client.server_load.full_page(self.path, limit, self.client.stats.last_answer)
            return page


def single_page(request: ListRequest) -> Iterator[RawPage]:
    """An object read by its key (a prompt version): one page of one row."""
    yield [request.client.get(request.path, dict(request.params))]


def cursor_pages(request: ListRequest) -> Iterator[RawPage]:
    cursor = None
    size = PageSize(request.max_page_size)
    while True:
        page = request.with_params(cursor=cursor).page(size)
        if page is None:
            return
        data = page_data(page, request.path)
        cursor = page.cursor
        if len(data):
            yield data
        if not cursor:
            return


def offset_pages(request: ListRequest) -> Iterator[RawPage]:
    size = PageSize(request.max_page_size)
    offset = 0
    while True:
        limit = size.limit
        page = request.page(size, offset)
        data = [] if page is None else page_data(page, request.path)
        if not len(data):
            return
        yield data
        offset += limit  # not len(data): Langfuse's pages can be short mid-list


def newest_first_pages(request: ListRequest, window: TimeWindow, tie_order: Mapping[str, str],
                       primary_key: tuple[str, ...]) -> Iterator[RawPage]:
    """A legacy offset list's window, read as first pages of a shrinking window, never page 2.

    The v3 lists order on their time column alone, so rows tied on it come back in an order that
    changes from query to query (a tied row at a page boundary is served twice or never), and rows
    arriving while a client pages shift every offset after them. A first page has no boundary
    before it: every row newer than its oldest timestamp was on it, so the next request asks for
    the window up to and including that oldest millisecond (those tied rows are read again and
    deduplicated by key). Progress needs one page to hold more than one millisecond; a millisecond
    that fills a page on its own is read by ``one_millisecond_pages``.
    """
    upper = parse_ts(request.params[window.to_param])
    size = PageSize(request.max_page_size)
    while True:
        # Always page 1, so sized as a cursor read (each request starts where the last one ended).
        page = request.with_params(**{window.to_param: format_ts(upper)}, page=1).page(size)
        data = [] if page is None else page_data(page, request.path)
        if not len(data):
            return
        yield data
        stamps = times(data, window.cursor_column)
        oldest = floor_ms(min(stamps))
        if floor_ms(max(stamps)) > oldest:
            upper = oldest + ONE_MS
        else:
            yield from one_millisecond_pages(request, window, tie_order, primary_key, oldest)
            upper = oldest


def one_millisecond_pages(request: ListRequest, window: TimeWindow, tie_order: Mapping[str, str],
                          primary_key: tuple[str, ...], moment: datetime) -> Iterator[RawPage]:
    """Every row of one millisecond that holds more than a page.

    With an order the server keeps inside the millisecond (``tie_order``: traces by id), offset pages
    are exact (an insert can only repeat a row). Without one, the millisecond is read again until
    ``settings.TIE_STABLE_PASSES`` passes in a row find no new key.
    """
    request = request.with_params(**{window.from_param: format_ts(moment), window.to_param: format_ts(moment + ONE_MS),
                                     **tie_order})
    if tie_order:
        yield from offset_pages(request)
        return
    seen: set[tuple] = set()
    quiet = 0
    for _ in range(settings.TIE_MAX_PASSES):
        before = len(seen)
        for data in offset_pages(request):
            seen.update(zip(*(column_values(data, name) for name in primary_key), strict=True))
            yield data
        quiet = quiet + 1 if len(seen) == before else 0
        if quiet >= settings.TIE_STABLE_PASSES:
            return
    log.warning("%s: %d rows share %s and the server keeps no order among them; read %d times, the "
                "last passes still found new rows", request.path, len(seen), format_ts(moment), settings.TIE_MAX_PASSES)


def page_data(page: Page, path: str) -> RawPage:
    if page.table is not None:
        return page.table
    if page.rows is None:
        return []
    if not isinstance(page.rows, list):
        raise LangfuseSyncError(f"{path}: 'data' is not a list")
    return page.rows
