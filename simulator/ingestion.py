"""Ingestion lag: a change reaches the read API some minutes after it was sent, in the order sent.

Langfuse ingests through a queue and a worker, and the v4 read path lags by up to ~10 minutes (guide
Part 2). The control surface therefore does not change the store at once: it builds the change now
(ids, times and values are fixed when it is made) and queues it, due after a seeded lag of the
simulator's clock. Every API request first applies what is due.

The clock is the wall clock plus an offset that tests move with ``advance`` (no test sleeps through a
lag); ``settle`` applies everything queued. Due times never go backwards, so changes become visible in
the order they were made, and ``final`` (what ``ground_truth()`` exports) applies the same queue in the
same order to a copy: the true data set once the lag has settled.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass

from simulator.gen_common import now_ms
from simulator.store import Store
from simulator.unkind import unit_hash

Change = Callable[[Store], object]


@dataclass
class _Queued:
    due_ms: int
    apply: Change


class Ingestion:
    def __init__(self, seed: int, lag_seconds: Callable[[], float]):
        self._seed = seed
        self._lag_seconds = lag_seconds  # read on each change: the switch can move while serving
        self._queue: list[_Queued] = []
        self._lock = threading.Lock()
        self._offset_ms = 0
        self._last_due = 0
        self.submitted = 0  # changes made so far: with the seed, it names each change's draws

    # --- the clock ------------------------------------------------------------------------------

    def now_ms(self) -> int:
        return now_ms() + self._offset_ms

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward, as if ``seconds`` had passed."""
        with self._lock:
            self._offset_ms += int(seconds * 1000)

    # --- changes --------------------------------------------------------------------------------

    def submit(self, store: Store, change: Change, extra_lag_seconds: float = 0.0) -> None:
        """Queue ``change`` (a function of a store) behind a seeded lag; applied at once without one."""
        with self._lock:
            self.submitted += 1
            lag_ms = int((unit_hash(self._seed, "lag", self.submitted) * self._lag_seconds() + extra_lag_seconds) * 1000)
            due = max(self.now_ms() + lag_ms, self._last_due)
            self._last_due = due
            if lag_ms <= 0 and not self._queue:
                change(store)
                return
            self._queue.append(_Queued(due, change))
        self.apply_due(store)

    def apply_due(self, store: Store) -> None:
        if not self._queue:  # the common case, without the lock
            return
        with self._lock:
            now = self.now_ms()
            while self._queue and self._queue[0].due_ms <= now:
                self._queue.pop(0).apply(store)

    def settle(self, store: Store) -> int:
        """Apply every queued change now (the clock moves to the last one's due time); returns how many."""
        with self._lock:
            if self._queue:
                self._offset_ms += max(0, self._queue[-1].due_ms - self.now_ms())
            applied = len(self._queue)
            for queued in self._queue:
                queued.apply(store)
            self._queue.clear()
            return applied

    @property
    def pending(self) -> int:
        return len(self._queue)

    def final(self, store: Store) -> Store:
        """A copy of the store with every queued change applied (the store itself is left as served).

        Changes replace lists and rows, never mutate them, so a shallow copy is enough.
        """
        with self._lock, store.lock:
            copy = dataclasses.replace(store)
            for queued in self._queue:
                queued.apply(copy)
            return copy
