"""Offset pagination of the legacy list endpoints over cached sort indexes.

The v3 lists are offset-paged (`page`, `limit` ≤ 100) over a DESC order with closed-open time windows.
Re-filtering and re-sorting 200k rows for each page would make a full read quadratic, so the rows are
kept in ``keyset.INDEXES`` (sorted ASC on the order key, one index per filter combination, rebuilt per
store version) and a page is two bisects plus a slice.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from simulator.endpoints.base import Request, parse_int_param
from simulator.endpoints.keyset import INDEXES, SortedIndex
from simulator.endpoints.legacy_shapes import derived
from simulator.store import Row, Store

MAX_LIMIT = 100


def sorted_rows(
    store: Store,
    name: Hashable,
    rows_of: Callable[[Store], Sequence[Row]],
    sort_key: Callable[[Row], tuple],
    predicate: Callable[[Row], bool] | None,
) -> SortedIndex:
    """The (cached) index of the rows matching ``predicate``; ``name`` must encode the filter values."""
    return INDEXES.get(store, (derived(store).token, name), rows_of, sort_key, predicate)


def offset_page_of(
    request: Request,
    index: SortedIndex,
    lower: Any | None = None,
    upper: Any | None = None,
    descending: bool = True,
    convert: Callable[[Row], Row] = lambda row: row,
) -> dict[str, Any]:
    """One page of the rows whose first sort key is in [lower, upper), with the standard meta."""
    page = parse_int_param(request, "page", 1, 1, None)
    limit = parse_int_param(request, "limit", 50, 1, MAX_LIMIT)
    lo, hi = index.window(lower, upper)
    total = hi - lo
    skip = (page - 1) * limit
    if descending:
        stop, start = hi - skip, max(lo, hi - skip - limit)
        rows = index.rows[start:stop][::-1] if stop > lo else []
    else:
        start, stop = lo + skip, min(hi, lo + skip + limit)
        rows = index.rows[start:stop] if start < hi else []
    return {
        "data": [convert(row) for row in rows],
        "meta": {"page": page, "limit": limit, "totalItems": total, "totalPages": -(-total // limit)},
    }


def nulls_last(value: Any, descending: bool) -> tuple:
    """A sort key putting None last in the served order (ClickHouse's default for ASC and DESC)."""
    if descending:  # the index is ASC and served reversed, so None must sort first in it
        return (0, "") if value is None else (1, value)
    return (1, "") if value is None else (0, value)
