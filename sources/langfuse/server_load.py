"""How many requests the server answers at once before its answers slow down.

A distant server hides its latency behind requests in flight: 16 at once read 16 times as fast as one.
A loaded self-hosted server does not: past its own capacity (ClickHouse's cores, the web server's
workers) each answer only takes longer, and more in flight add load without adding rows. This tells
the two apart from the answers themselves, in the manner of TCP Vegas or Netflix's gradient limit:
the time a *full* page of one list takes (same path, same limit: the same work for the server) is
compared with its time when this sync had few requests out; when it grows past ``SLOWED``, the
requests in flight are cut in proportion, and they grow back while the answers stay within
``RECOVERED``. Answers to requests sent before a decision are not counted towards the next one.

Only full pages count: a short last page or a single object answers faster and would set a baseline
the full pages never reach. Decisions use medians of ``WINDOW`` answers, so one slow answer (a server
warming its caches) moves nothing. A running minimum of such medians is no baseline: over a long read
it drifts down with the jitter until an unloaded server looks slowed.
"""

from __future__ import annotations

import logging
import math
import statistics
import threading
import time
from dataclasses import dataclass

log = logging.getLogger("langfuse_warehouse.server_load")

# Full pages sent since the last decision that make the next one (their median is the measurement).
WINDOW = 10
# Answers sent with at most this many requests in flight show the server unloaded by this sync: the
# first pages of a read (it starts with two in flight), before it knows how many it wants. Their
# median is the page's unloaded time (the first decision's median where a read never had so few).
QUIET = 4
# Full pages this much slower than unloaded mean requests queue in the server. Twice: the unloaded
# time may rest on two answers, and ±25 % jitter must not read as load.
SLOWED = 2.0
# Within this of unloaded, more requests in flight may help again: a quarter more (at least one).
RECOVERED = 1.3
GROWTH = 1.25
# After a cut, in flight = what the server answered at full speed, with this much headroom.
HEADROOM = 1.2


@dataclass(frozen=True)
class Answer:
    """One request's answer as the server gave it: sent at ``sent_at`` (``time.monotonic``), body in
    after ``seconds`` (decoding not counted), with ``sent_with`` requests in flight (itself included)."""

    sent_at: float
    seconds: float
    sent_with: int


class ServerLoad:
    """The most requests in flight the server has answered without slowing (``limit``); shared by
    every thread of one client."""

    def __init__(self, ceiling: int):
        self.ceiling = ceiling
        self._limit = ceiling
        self._unloaded: dict[tuple[str, int], float] = {}
        self._quiet: dict[tuple[str, int], list[float]] = {}
        self._since: dict[tuple[str, int], list[tuple[float, int]]] = {}
        self._decided_at = -math.inf
        self.cuts = 0  # how often the server's slowing cut the requests in flight
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        with self._lock:
            return self._limit

    def full_page(self, path: str, limit: int, answer: Answer | None) -> None:
        """A page of ``limit`` rows of ``path``, as it was answered."""
        if answer is None:
            return
        key, seconds, sent_with = (path, limit), answer.seconds, answer.sent_with
        with self._lock:
            quiet = self._quiet.setdefault(key, [])
            if sent_with <= QUIET and len(quiet) < 2 * WINDOW:
                quiet.append(seconds)
                self._unloaded[key] = statistics.median(quiet)
            if answer.sent_at < self._decided_at:
                return  # sent before the last decision: it shows the load that decision changed
            since = self._since.setdefault(key, [])
            since.append((seconds, sent_with))
            if len(since) < WINDOW:
                return
            median = statistics.median(s for s, _ in since)
            in_flight = max(n for _, n in since)
            unloaded = self._unloaded.setdefault(key, median)
            self._since.clear()
            self._decided_at = time.monotonic()
            slowdown = median / unloaded
            if slowdown > SLOWED:
                cut = max(1, math.floor(min(self._limit, in_flight) * HEADROOM / slowdown))
                if cut < self._limit:
                    log.info("full %s pages take %.1fx their unloaded time with %d requests in flight: "
                             "%d from now", path, slowdown, in_flight, cut)
                    self._limit = cut
                    self.cuts += 1
            elif slowdown < RECOVERED and self._limit < self.ceiling:
                self._limit = min(self.ceiling, max(self._limit + 1, math.floor(self._limit * GROWTH)))
                log.debug("full %s pages within %.1fx their unloaded time: up to %d in flight", path,
                          slowdown, self._limit)
