"""How far ahead of the load the fetching may run: one chunk's worth of rows, then it waits.

A long read commits every ``chunk_rows`` rows (``windows.checkpoint``), so pages fetched past a chunk
would be thrown away when the consumer checkpoints there. Every request first reserves its page's
rows here; once a chunk is reserved, fetching waits until the consumer decides: it checkpoints (the
gate closes and the fetchers stop) or it must read on past the chunk (rows tied on one timestamp
span it; the gate opens for good). The fetchers may be one prefetch thread or several sub-window
readers; all the counting is behind one lock.
"""

from __future__ import annotations

import sys
import threading


class ChunkGate:
    def __init__(self, chunk_rows: int = sys.maxsize):
        self.chunk_rows = chunk_rows
        self._changed = threading.Condition()
        self._reserved = 0
        self._opened = False
        self._closed = False

    def reserve(self, rows: int) -> bool:
        """Wait until ``rows`` more fit in the chunk (or the gate opened); False once it is closed."""
        with self._changed:
            while not (self._closed or self._opened or self._reserved < self.chunk_rows):
                self._changed.wait()
            if self._closed:
                return False
            self._reserved += rows
            return True

    def settle(self, reserved: int, received: int) -> None:
        """A page came back with ``received`` rows of the ``reserved``: return the difference."""
        with self._changed:
            self._reserved += received - reserved
            self._changed.notify_all()

    def open(self) -> None:
        """Read on past the chunk: the consumer cannot checkpoint here."""
        with self._changed:
            self._opened = True
            self._changed.notify_all()

    def close(self) -> None:
        """The consumer is done: waiting fetchers stop instead of waiting forever."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    @property
    def is_open(self) -> bool:
        with self._changed:
            return self._opened

    @property
    def is_closed(self) -> bool:
        with self._changed:
            return self._closed
