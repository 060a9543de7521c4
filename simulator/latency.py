"""How long the real Langfuse takes to answer: a per-request base, a per-row and a per-byte cost, jitter.

Langfuse Cloud answers a 1,000-row ``/v2/observations`` page with every field group in hundreds of
milliseconds to seconds (a ClickHouse query, then megabytes over the internet); on the same machine the
simulator answers in a few. A client that keeps one request in flight looks fine locally and reaches a
few percent of its plan against the real server, so benchmarks serve with ``Latency.realistic()``.
Tests serve with ``Latency.off()`` (the default of ``Simulator``) to stay fast, or switch it on:

    Simulator(latency="realistic")                       # in-process (or a Latency, or a dict)
    POST /_sim/latency {"preset": "realistic"}           # a running server ({"baseMs": 50, ...} to tune)
    python -m simulator serve --latency realistic        # the command line (off by default)

The delay is the time from the request's arrival to its answer: the simulator's own work is counted in
it (the server sleeps what is left), so the figure does not move with how busy the simulator's machine
is, as long as the work is shorter than the delay. Jitter is a seeded draw per request (the request's
sequence number and the seed), so a benchmark run replays the same delays in the same order.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from simulator.unkind import unit_hash

_STANDARD_NORMAL = NormalDist()
PRESETS = ("off", "realistic")


@dataclass(frozen=True)
class Latency:
    base_ms: float = 0.0  # every answer, an error or an empty page included: the round trip and query start
    per_row_ms: float = 0.0  # each row of a list page: ClickHouse's read and the server's serialization
    per_mb_ms: float = 0.0  # each megabyte of body: transfer over the internet
    # Spread of the per-request factor (a log-normal with mean 1): 0.25 gives ~±25 % for two requests in
    # three and the long right tail real latencies have.
    jitter: float = 0.0
    # Requests the server answers at full speed at once (its ClickHouse's and web server's cores): with
    # more in flight each answer takes in-flight / capacity times as long, as on a loaded self-hosted
    # server. 0: unlimited (Cloud, as a client sees it).
    capacity: int = 0

    @classmethod
    def off(cls) -> Latency:
        return cls()

    @classmethod
    def realistic(cls) -> Latency:
        """Calibrated on issue 14's figure: ~800 ms for a 1,000-row ``/v2/observations`` page with every
        field group (~1.67 MB of the generator's data: 200 + 1,000 × 0.35 + 1.67 × 150 ≈ 800 ms), ~240 ms
        for a 100-row ``/v3/scores`` page (~30 kB), ~200 ms for a single object."""
        return cls(base_ms=200.0, per_row_ms=0.35, per_mb_ms=150.0, jitter=0.25)

    @classmethod
    def of(cls, value: Latency | str | dict[str, Any] | None) -> Latency:
        """A Latency from a preset name, a ``/_sim/latency`` body (``preset`` and/or ``baseMs``,
        ``perRowMs``, ``perMbMs``, ``jitter``) or None (off)."""
        if isinstance(value, Latency):
            return value
        if value is None:
            return cls.off()
        if isinstance(value, str):
            return cls._preset(value)
        unknown = sorted(set(value) - {"preset", *_JSON_NAMES.values()})
        if unknown:
            raise ValueError(f"unknown latency setting(s) {unknown}; known: preset, {', '.join(_JSON_NAMES.values())}")
        chosen = cls._preset(value["preset"]) if "preset" in value else cls.off()
        changes = {name: (int if name == "capacity" else float)(value[key])
                   for name, key in _JSON_NAMES.items() if key in value}
        if any(v < 0 for v in changes.values()):
            raise ValueError(f"latency settings must not be negative: {changes}")
        return dataclasses.replace(chosen, **changes)

    @classmethod
    def _preset(cls, name: str) -> Latency:
        if name not in PRESETS:
            raise ValueError(f"unknown latency preset {name!r}; known: {', '.join(PRESETS)}")
        return cls.realistic() if name == "realistic" else cls.off()

    @property
    def enabled(self) -> bool:
        return self.base_ms > 0 or self.per_row_ms > 0 or self.per_mb_ms > 0

    def seconds(self, rows: int, body_bytes: int, draw: float = 0.5, in_flight: int = 1) -> float:
        """The answer's delay for a page of ``rows`` rows and ``body_bytes`` bytes, served beside
        ``in_flight`` - 1 others; ``draw`` in (0, 1) picks the jitter (0.5: the median)."""
        mean_ms = self.base_ms + rows * self.per_row_ms + body_bytes / 1_000_000 * self.per_mb_ms
        if self.capacity and in_flight > self.capacity:
            mean_ms *= in_flight / self.capacity
        if self.jitter <= 0:
            return mean_ms / 1000
        z = _STANDARD_NORMAL.inv_cdf(min(max(draw, 1e-6), 1 - 1e-6))
        return mean_ms * math.exp(self.jitter * z - self.jitter**2 / 2) / 1000

    def to_json(self) -> dict[str, float]:
        return {key: getattr(self, name) for name, key in _JSON_NAMES.items()}


_JSON_NAMES = {"base_ms": "baseMs", "per_row_ms": "perRowMs", "per_mb_ms": "perMbMs", "jitter": "jitter",
               "capacity": "capacity"}


class LatencyClock:
    """The server's latency setting and its seeded per-request draws (one sequence for the server)."""

    def __init__(self, seed: int, latency: Latency | str | dict[str, Any] | None = None):
        self._seed = seed
        self.latency = Latency.of(latency)
        self._sequence = itertools.count()
        self._lock = threading.Lock()

    def set(self, latency: Latency | str | dict[str, Any] | None) -> Latency:
        self.latency = Latency.of(latency)
        return self.latency

    def remaining(self, rows: int, body_bytes: int, elapsed_seconds: float, in_flight: int = 1) -> float:
        """Seconds still to wait before answering a request that has taken ``elapsed_seconds`` so far,
        with ``in_flight`` requests being served (this one included)."""
        latency = self.latency
        if not latency.enabled:
            return 0.0
        with self._lock:
            n = next(self._sequence)
        draw = unit_hash(self._seed, "latency", n)
        return max(0.0, latency.seconds(rows, body_bytes, draw, in_flight) - elapsed_seconds)
