"""Giving freed memory back to the OS between a read and a load, so peak RSS stays flat."""

from __future__ import annotations

import ctypes
import ctypes.util


def _glibc_function(name: str):
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to call
        return None


_MALLOC_TRIM = _glibc_function("malloc_trim")
_MALLOPT = _glibc_function("mallopt")


def release_freed_memory() -> None:
    """Hand the memory of a finished read back to the OS before dlt loads it.

    A long read frees hundreds of MB of parsed pages, but glibc and Arrow's allocator keep freed
    pages for reuse: without this the process enters the load (where DuckDB adds its own ~150 MB)
    some 80 MB larger than it needs to be. Costs a few milliseconds once per read.
    """
    import pyarrow as pa  # here: the CLI imports this module at start, `marts` never loads pyarrow

    pa.default_memory_pool().release_unused()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


# mallopt's M_ARENA_MAX (glibc malloc.h).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int) -> bool:
    """At most ``arenas`` glibc malloc arenas for the process; call before threads start allocating.

    glibc gives every thread that meets a busy arena one of its own (up to eight per core), and each
    keeps the memory its thread freed for that thread's reuse: page buffers decoded in the reader
    threads and freed in the consumer stay resident per arena. Few arenas share that memory instead.
    False where malloc is not glibc's (nothing to limit).
    """
    return _MALLOPT is not None and bool(_MALLOPT(_M_ARENA_MAX, arenas))
