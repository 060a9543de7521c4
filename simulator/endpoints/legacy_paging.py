"""Offset pagination of the legacy list endpoints over cached sort indexes.

The v3 lists are offset-paged (`page`, `limit` ≤ 100) over a DESC order with closed-open time windows.
Re-filtering and re-sorting 200k rows for each page would make a full read quadratic, so the rows are
kept in ``keyset.INDEXES`` (sorted ASC on the order key, one index per filter combination, rebuilt per
store version) and a page is two bisects plus a slice.

Two of Langfuse's unkindnesses live here (``simulator.unkind``): the order is on the first sort key
alone, so a group of rows tied on it that straddles a page boundary is split in a query-dependent
order (``unstable_ties``); and ClickHouse pages over unmerged row versions, so a few rows count twice:
the page is cut from the list with both copies and deduplicated, which makes it short, can put a row on
two pages, and makes ``totalItems`` too high (``short_pages``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from simulator.endpoints.base import Request, parse_int_param
from simulator.endpoints.keyset import INDEXES, SortedIndex
from simulator.endpoints.legacy_shapes import derived
from simulator.store import Row, Store
from simulator.unkind import unit_hash

MAX_LIMIT = 100
# The share of rows with an unmerged second version (ReplacingMergeTree before its merge).
UNMERGED_SHARE = 0.03


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
    versioned: bool = True,
) -> dict[str, Any]:
    """One page of the rows whose first sort key is in [lower, upper), with the standard meta.

    ``versioned``: a ClickHouse table, whose pages are cut before row versions are merged.
    """
    page = parse_int_param(request, "page", 1, 1, None)
    limit = parse_int_param(request, "limit", 50, 1, MAX_LIMIT)
    lo, hi = index.window(lower, upper)
    served = _served_order(index, lo, hi, descending)  # positions in the order the server serves them
    copies = _copies(request, index) if versioned and request.unkind.short_pages else None
    skip = (page - 1) * limit
    if copies is None:
        total = hi - lo
        start, stop = skip, skip + limit
    else:  # positions in the list with second versions: map the page's [skip, skip+limit) back
        total = _expanded(copies, lo, hi)
        start, stop = _first_row_at(copies, served, skip), _first_row_at(copies, served, skip + limit - 1) + 1
    start, stop = max(0, min(start, hi - lo)), max(0, min(stop, hi - lo))
    positions = served[start:stop] if start < stop else range(0)
    if request.unkind.unstable_ties and start < stop:
        positions = _ties_reshuffled(request, index, served, start, stop, page, limit)
    return {
        "data": [convert(index.rows[position]) for position in positions],
        "meta": {"page": page, "limit": limit, "totalItems": total, "totalPages": -(-total // limit)},
    }


def _served_order(index: SortedIndex, lo: int, hi: int, descending: bool) -> range:
    return range(hi - 1, lo - 1, -1) if descending else range(lo, hi)


def _copies(request: Request, index: SortedIndex) -> list[int]:
    """Prefix sums of copies per row (1, or 2 for a row with an unmerged version), cached per index."""
    cached = getattr(index, "copies_prefix", None)
    if cached is None:
        seed = request.seed
        cached = [0]
        total = 0
        for row in index.rows:
            total += 2 if unit_hash(seed, "unmerged", row.get("id")) < UNMERGED_SHARE else 1
            cached.append(total)
        index.copies_prefix = cached
    return cached


def _expanded(copies: list[int], lo: int, hi: int) -> int:
    return copies[hi] - copies[lo]


def _first_row_at(copies: list[int], served: range, offset: int) -> int:
    """The served position of the (first) row holding list position ``offset``, counting every copy.

    A row whose copies straddle ``offset`` is on both sides of it: the page before and the page after
    both serve it.
    """
    low, high = 0, len(served)
    while low < high:  # the first served row whose copies end after ``offset``
        middle = (low + high) // 2
        if _copies_before(copies, served, middle + 1) > offset:
            high = middle
        else:
            low = middle + 1
    return low


def _copies_before(copies: list[int], served: range, count: int) -> int:
    """List positions taken by the first ``count`` served rows."""
    if count <= 0:
        return 0
    first, last = served[0], served[count - 1]
    return copies[max(first, last) + 1] - copies[min(first, last)]


def _ties_reshuffled(
    request: Request, index: SortedIndex, served: range, start: int, stop: int, page: int, limit: int
) -> list[int]:
    """The page's positions, with any group tied on the first key across a page boundary taken in an
    order that depends on the query: page and limit, as a partial sort with LIMIT/OFFSET does."""
    positions = list(served[start:stop])
    first_key = index.first_keys
    for edge in {start, stop - 1}:
        key = first_key[served[edge]]
        group_start, group_stop = edge, edge + 1
        while group_start > 0 and first_key[served[group_start - 1]] == key:
            group_start -= 1
        while group_stop < len(served) and first_key[served[group_stop]] == key:
            group_stop += 1
        if group_start >= start and group_stop <= stop:
            continue  # the whole group is on this page: its order is nobody's business
        group = sorted(
            served[group_start:group_stop],
            key=lambda position: unit_hash(request.seed, "tie", index.rows[position].get("id"), page, limit),
        )
        for offset in range(max(start, group_start), min(stop, group_stop)):
            positions[offset - start] = group[offset - group_start]
    return positions


def nulls_last(value: Any, descending: bool) -> tuple:
    """A sort key putting None last in the served order (ClickHouse's default for ASC and DESC)."""
    if descending:  # the index is ASC and served reversed, so None must sort first in it
        return (0, "") if value is None else (1, value)
    return (1, "") if value is None else (0, value)
