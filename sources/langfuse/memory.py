"""Giving freed memory back to the OS between a read and a load, so peak RSS stays flat."""

from __future__ import annotations

import ctypes
import ctypes.util

import pyarrow as pa


def _load_malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


_MALLOC_TRIM = _load_malloc_trim()


def release_freed_memory() -> None:
    """Hand the memory of a finished read back to the OS before dlt loads it.

    A long read frees hundreds of MB of parsed pages, but glibc and Arrow's allocator keep freed
    pages for reuse: without this the process enters the load (where DuckDB adds its own ~150 MB)
    some 80 MB larger than it needs to be. Costs a few milliseconds once per read.
    """
    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
