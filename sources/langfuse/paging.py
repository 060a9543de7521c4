"""Page sizes that give way to a query too heavy for the server, and what a page says about time.

Langfuse answers 422 when a page is too heavy for it (a ClickHouse memory or time limit, or HEAD's
response-size cap), and it does so again for the same request: a retry unchanged never gets through.
``PageSize`` lowers the ``limit`` of the one read that hit it and raises it back as pages pass, so a
few heavy rows cost a few small pages, not a whole read at a small size.

Offset pages halve, and double back only where the size still divides the offset (page numbers).
Cursor pages (each request starts where the last ended) quarter, then grow towards the end of the
smallest page refused, never past its last row: the rows that made it too heavy are in there, and a
page that reaches them whole is refused again. Once every row of it but the last has passed, the
next page is full size. On the simulator's heavy traces (three ~2 MB documents in a row, 5 MB cap)
this reads 102,140 observations in ~133 requests where halving and doubling took 168: every request
counts against a plan's rate limit, and against a distant server each one is most of a second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sources.langfuse.windows import parse_ts


class PageSize:
    def __init__(self, maximum: int):
        self.maximum = maximum
        self.limit = maximum
        self._refused: int | None = None  # cursor pages: the smallest page refused, until it has passed
        self._passed_since_refused = 0

    def shrink(self, offset: int | None = None) -> bool:
        """A smaller limit after a 422: a quarter for cursor pages (``offset`` None), else half, one that
        still divides ``offset``; False when the page is already a single row."""
        if self.limit <= 1:
            return False
        if offset is None:
            self._refused = self.limit if self._refused is None else min(self._refused, self.limit)
            self._passed_since_refused = 0
            self.limit = max(1, self.limit // 4)
            return True
        limit = self.limit // 2
        while offset % limit:
            limit -= 1
        self.limit = limit
        return True

    def passed(self, rows: int, next_offset: int | None = None) -> None:
        """A page of ``rows`` passed: grow back towards the maximum (offset pages, ``next_offset`` given,
        keep offsets aligned)."""
        if next_offset is not None:
            grown = min(self.maximum, self.limit * 2)
            if grown > self.limit and next_offset % grown == 0:
                self.limit = grown
            return
        if self._refused is None:
            self.limit = self.maximum
            return
        self._passed_since_refused += rows
        short_of_its_last_row = self._refused - self._passed_since_refused - 1
        if short_of_its_last_row < 1:
            self._refused, self.limit = None, self.maximum
        else:
            self.limit = min(self.maximum, 2 * self.limit, short_of_its_last_row)


def camel_case(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def column_values(page: list[dict[str, Any]] | pa.Table, snake: str) -> list[Any]:
    """A column of a page as the API named it (raw rows) or as the columnar decoder did (Arrow)."""
    if isinstance(page, pa.Table):
        return page[snake].to_pylist() if snake in page.column_names else [None] * page.num_rows
    camel = camel_case(snake)
    return [row.get(camel) for row in page]


def times(page: list[dict[str, Any]] | pa.Table, snake: str) -> list[datetime]:
    """The page's values of a time column, as datetimes (rows without one are left out)."""
    if isinstance(page, pa.Table) and snake in page.column_names:
        column = page[snake]
        if pa.types.is_timestamp(column.type):
            return [parse_ts(value) for value in pc.drop_null(column).to_pylist()]
    return [parse_ts(value) for value in column_values(page, snake) if value is not None]
