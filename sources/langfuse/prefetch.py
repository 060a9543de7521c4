"""Fetch the next page while the current one is converted: network and CPU overlap.

Cursor pagination needs page N's cursor to ask for page N+1, and a page's cursor is known as soon as
its JSON is parsed, so one producer thread can run a page ahead of the consumer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from sources.langfuse.memory import release_freed_memory

T = TypeVar("T")

_DONE = object()


def prefetch(source: Iterator[T], depth: int = 2, on_stop: Callable[[], None] | None = None) -> Iterator[T]:
    """Iterate ``source`` in a background thread, at most ``depth`` items ahead; errors re-raise here.

    ``on_stop`` runs when the consumer is done, before the producer is joined: it must wake a
    producer that ``source`` itself may be holding (the engine's chunk gate).
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple) -> bool:
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False  # the consumer has gone

    def produce() -> None:
        try:
            for item in source:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as error:  # handed to the consumer, who raises it in its own thread
            put((_DONE, error))

    worker = threading.Thread(target=produce, name="langfuse-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = buffer.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        if on_stop is not None:
            on_stop()
        worker.join()
        release_freed_memory()  # a finished read frees its pages: give them back before the load
