"""Where the fetch engine reports what it reads, for a live display (``pipelines/progress.py``).

The engine calls ``current()`` per window and page; nothing listens unless a caller installs a listener
with ``reporting(listener)``. A module global, not a context variable: dlt may run the extract of a
resource in a thread of its own, which would not see a context variable set by the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class ReadListener:
    """Receives what the engine reads; every method does nothing here."""

    def window(self, resource: str, project_id: str, start: str, end: str) -> None:
        """A time-ranged read of `resource` covers [start, end)."""

    def page(self, resource: str, project_id: str, rows: int) -> None:
        """One page of `rows` rows was read."""

    def finished(self, resource: str, project_id: str) -> None:
        """The resource has nothing more to read in this load."""


_listener: ReadListener = ReadListener()


def current() -> ReadListener:
    return _listener


@contextmanager
def reporting(listener: ReadListener) -> Iterator[ReadListener]:
    global _listener
    previous, _listener = _listener, listener
    try:
        yield listener
    finally:
        _listener = previous
