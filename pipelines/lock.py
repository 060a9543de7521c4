"""One sync of a warehouse at a time: a cron overlap must not load the same rows twice.

An advisory lock (``flock``) on a file keyed by the warehouse (``location.py`` says where): the kernel
drops it when the process ends, however it ends, so a killed sync never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sources.langfuse.errors import LangfuseSyncError


class WarehouseBusyError(LangfuseSyncError):
    """Another sync of this warehouse holds the lock."""


@contextmanager
def warehouse_lock(path: str, what: str, wait: bool = False) -> Iterator[None]:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise WarehouseBusyError(
                f"another sync of {what} is running (lock {path}); this one stops without reading. "
                "Pass --wait to wait for it instead"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a human looking
        yield
    finally:
        os.close(fd)  # closing releases the lock
