"""Keyset (cursor) pagination over cached sort indexes, shared by the cursor-paged v4 endpoints.

Each cursor endpoint orders rows DESC on a tuple of keys. An index keeps the rows sorted ASCending on
that tuple, so a time window is two bisects on the first key and "everything after the cursor" is one
bisect on the whole tuple; a page is then a reversed slice. Indexes are cached per ``store.version``
(the generator's mutations bump it), and filtered sub-indexes are cached beside them, so paging through
200k observations costs O(log n) per page instead of a sort per request.
"""

from __future__ import annotations

import bisect
import struct
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from simulator.endpoints.base import bad_request, decode_cursor, encode_cursor
from simulator.store import Row, Store

# --- xxHash32 ---------------------------------------------------------------------------------
# ClickHouse's xxHash32(trace_id) is the second key of the v2 observations order; the pure-Python
# version is slow (~2 µs per short id), so results are memoised per trace id.

_P1, _P2, _P3, _P4, _P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
_MASK = 0xFFFFFFFF
_STRIPE = struct.Struct("<4I")


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (32 - bits))) & _MASK


def xxhash32(data: bytes, seed: int = 0) -> int:
    """The 32-bit xxHash of ``data`` (seed 0, as ClickHouse's ``xxHash32``)."""
    length = len(data)
    pos = 0
    if length >= 16:
        v1 = (seed + _P1 + _P2) & _MASK
        v2 = (seed + _P2) & _MASK
        v3 = seed & _MASK
        v4 = (seed - _P1) & _MASK
        limit = length - 16
        while pos <= limit:
            lane1, lane2, lane3, lane4 = _STRIPE.unpack_from(data, pos)
            v1 = (_rotl((v1 + lane1 * _P2) & _MASK, 13) * _P1) & _MASK
            v2 = (_rotl((v2 + lane2 * _P2) & _MASK, 13) * _P1) & _MASK
            v3 = (_rotl((v3 + lane3 * _P2) & _MASK, 13) * _P1) & _MASK
            v4 = (_rotl((v4 + lane4 * _P2) & _MASK, 13) * _P1) & _MASK
            pos += 16
        acc = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _MASK
    else:
        acc = (seed + _P5) & _MASK
    acc = (acc + length) & _MASK
    while pos + 4 <= length:
        lane = int.from_bytes(data[pos : pos + 4], "little")
        acc = (_rotl((acc + lane * _P3) & _MASK, 17) * _P4) & _MASK
        pos += 4
    while pos < length:
        acc = (_rotl((acc + data[pos] * _P5) & _MASK, 11) * _P1) & _MASK
        pos += 1
    acc ^= acc >> 15
    acc = (acc * _P2) & _MASK
    acc ^= acc >> 13
    acc = (acc * _P3) & _MASK
    acc ^= acc >> 16
    return acc


_hash_cache: dict[str, int] = {}


def trace_hash(trace_id: str | None) -> int:
    """xxHash32 of a trace id, memoised (ids repeat across every observation of a trace)."""
    key = trace_id or ""
    cached = _hash_cache.get(key)
    if cached is None:
        cached = _hash_cache[key] = xxhash32(key.encode())
    return cached


# --- sorted indexes ---------------------------------------------------------------------------

SortKey = Callable[[Row], tuple]


@dataclass
class SortedIndex:
    """Rows sorted ASC on ``keys``; the endpoint serves them DESC by walking slices backwards."""

    keys: list[tuple]
    rows: list[Row]
    first_keys: list[Any] = field(init=False)

    def __post_init__(self) -> None:
        self.first_keys = [key[0] for key in self.keys]

    def window(self, lower: Any | None, upper: Any | None) -> tuple[int, int]:
        """Positions [lo, hi) whose first key is within [lower, upper) (None = unbounded)."""
        lo = 0 if lower is None else bisect.bisect_left(self.first_keys, lower)
        hi = len(self.keys) if upper is None else bisect.bisect_left(self.first_keys, upper)
        return lo, max(lo, hi)

    def desc_page(self, lo: int, hi: int, after: tuple | None, limit: int) -> tuple[list[Row], tuple | None]:
        """Up to ``limit`` rows DESC from [lo, hi) strictly after the ``after`` key; the last key when
        more rows exist (the limit+1 probe the real server makes), else None."""
        if after is not None:
            hi = max(lo, min(hi, bisect.bisect_left(self.keys, after)))
        start = max(lo, hi - limit)
        page = self.rows[start:hi]
        page.reverse()
        next_key = self.keys[start] if start > lo else None
        return page, next_key


class IndexCache:
    """Sort indexes per (entity, ordering, filter), rebuilt when ``store.version`` moves on."""

    def __init__(self, max_filtered: int = 32):
        self._lock = threading.RLock()  # the weakref callback may run while this thread holds it
        self._version: dict[int, int] = {}
        self._indexes: dict[int, OrderedDict[Hashable, SortedIndex]] = {}
        # id() of a freed store is reused by the next one: remember whose indexes these are, and
        # drop them when their store dies.
        self._owners: dict[int, weakref.ref[Store]] = {}
        self._max = max_filtered

    def _forget(self, store_key: int) -> None:
        with self._lock:
            self._version.pop(store_key, None)
            self._indexes.pop(store_key, None)
            self._owners.pop(store_key, None)

    def get(
        self,
        store: Store,
        name: Hashable,
        rows_of: Callable[[Store], Sequence[Row]],
        sort_key: SortKey,
        predicate: Callable[[Row], bool] | None = None,
    ) -> SortedIndex:
        """The index for ``name`` (include the filter values in it when a predicate is given)."""
        store_key = id(store)
        with self._lock:
            owner = self._owners.get(store_key)
            if owner is None or owner() is not store:
                self._owners[store_key] = weakref.ref(store, lambda _, key=store_key: self._forget(key))
                self._version.pop(store_key, None)
            if self._version.get(store_key) != store.version:
                self._version[store_key] = store.version
                self._indexes[store_key] = OrderedDict()
            cache = self._indexes[store_key]
            index = cache.get(name)
            if index is not None:
                cache.move_to_end(name)
                return index
            version = store.version
        with store.lock:
            rows = list(rows_of(store))
        if predicate is not None:
            rows = [row for row in rows if predicate(row)]
        decorated = sorted(((sort_key(row), row) for row in rows), key=lambda pair: pair[0])
        index = SortedIndex([pair[0] for pair in decorated], [pair[1] for pair in decorated])
        with self._lock:
            if self._version.get(store_key) == version:
                cache = self._indexes[store_key]
                cache[name] = index
                while len(cache) > self._max:
                    cache.popitem(last=False)
        return index


INDEXES = IndexCache()


# --- cursor payloads --------------------------------------------------------------------------


def encode_json_cursor(payload: dict[str, Any]) -> str:
    return encode_cursor(orjson.dumps(payload))


def decode_json_cursor(raw: str, required: Sequence[str]) -> dict[str, Any]:
    """The cursor's JSON object, or 400 "Invalid cursor format" for anything else."""
    try:
        payload = orjson.loads(decode_cursor(raw))
    except orjson.JSONDecodeError:
        raise bad_request("Invalid cursor format") from None
    if not isinstance(payload, dict) or any(not isinstance(payload.get(key), str) for key in required):
        raise bad_request("Invalid cursor format")
    return payload
