"""Page sizes that give way to a query too heavy for the server, and what a page says about time.

Langfuse answers 422 when a page is too heavy for it (a ClickHouse memory or time limit, or HEAD's
response-size cap), and it does so again for the same request: a retry unchanged never gets through.
``PageSize`` halves the ``limit`` of the one read that hit it, and doubles it back after each page
that passed, so a few heavy rows cost a few small pages, not a whole read at a small size.
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

    def shrink(self, offset: int = 0) -> bool:
        """A smaller limit after a 422 (one that still divides ``offset``, for offset pages); False
        when the page is already a single row."""
        if self.limit <= 1:
            return False
        limit = self.limit // 2
        while offset % limit:
            limit -= 1
        self.limit = limit
        return True

    def passed(self, next_offset: int = 0) -> None:
        """A page passed: grow back towards the maximum (keeping offsets aligned)."""
        grown = min(self.maximum, self.limit * 2)
        if grown > self.limit and next_offset % grown == 0:
            self.limit = grown


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
