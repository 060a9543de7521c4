"""Deterministic fault injection: what a flaky network, proxy or overloaded server does to a request.

A plan holds per-request probabilities (drawn from a seeded RNG, so a run replays exactly when the
requests come in the same order) and scripted faults ("the next N requests on path P get kind K"),
which tests use to provoke one behaviour at a time. The server asks ``decide`` once per public API
request and acts out the returned fault.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

# Kinds and what the server does for each:
#   status codes: "429", "500", "502", "503", "422" answer with Langfuse's JSON body for that code;
#   "404" and "403" answer as a server without that endpoint, or a key not allowed to read it, does;
#   "html_502": a proxy's HTML error page; "slow": serve normally after ``slow_ms``;
#   "drop": close the socket without answering; "drop_mid_body": headers and half the body, then close;
#   "malformed_json": 200 with a body cut in half (valid Content-Length, invalid JSON);
#   "truncated": Content-Length larger than the body that is sent, then close;
#   "wrong_content_type": the real body labelled text/html.
FAULT_KINDS = (
    "403",
    "404",
    "429",
    "500",
    "502",
    "503",
    "422",
    "html_502",
    "slow",
    "drop",
    "drop_mid_body",
    "malformed_json",
    "truncated",
    "wrong_content_type",
)


# A scripted count no run reaches: the fault holds until the plan is cleared.
FOREVER = 2**62


@dataclass
class ScriptedFault:
    kind: str
    remaining: int
    path: str | None = None  # a path prefix such as "/api/public/v2/observations"; None = any path
    method: str | None = None


@dataclass
class Fault:
    kind: str
    slow_ms: int = 0
    retry_after: int = 1


@dataclass
class FaultPlan:
    seed: int = 0
    probabilities: dict[str, float] = field(default_factory=dict)
    scripted: list[ScriptedFault] = field(default_factory=list)
    slow_ms: int = 250
    retry_after: int = 1
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [kind for kind in self.probabilities if kind not in FAULT_KINDS]
        unknown += [fault.kind for fault in self.scripted if fault.kind not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kind(s) {unknown}; known: {', '.join(FAULT_KINDS)}")
        if sum(self.probabilities.values()) > 1:
            raise ValueError("fault probabilities add up to more than 1")
        self._rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> FaultPlan:
        """``{"seed", "probabilities": {kind: p}, "scripted": [{"kind", "count", "path", "method"}],
        "slowMs", "retryAfter"}``: the body of POST /_sim/faults."""
        scripted = [
            ScriptedFault(str(item["kind"]), int(item.get("count", 1)), item.get("path"), item.get("method"))
            for item in spec.get("scripted", [])
        ]
        return cls(
            seed=int(spec.get("seed", 0)),
            probabilities={str(kind): float(p) for kind, p in spec.get("probabilities", {}).items()},
            scripted=scripted,
            slow_ms=int(spec.get("slowMs", 250)),
            retry_after=int(spec.get("retryAfter", 1)),
        )

    def script(
        self, kind: str, count: int = 1, path: str | None = None, method: str | None = None
    ) -> FaultPlan:
        """Queue ``kind`` for the next ``count`` requests matching ``path`` (a prefix); returns self."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self.scripted.append(ScriptedFault(kind, count, path, method))
        return self

    def always(self, kind: str, path: str, method: str | None = None) -> FaultPlan:
        """``kind`` for every request on ``path`` (a prefix) until cleared: an endpoint that is missing
        or down for good."""
        return self.script(kind, FOREVER, path, method)

    def clear(self) -> None:
        with self._lock:
            self.scripted.clear()
            self.probabilities.clear()

    def decide(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.scripted:
                if (
                    fault.remaining > 0
                    and (fault.path is None or path.startswith(fault.path))
                    and (fault.method is None or fault.method == method)
                ):
                    fault.remaining -= 1
                    self.scripted = [f for f in self.scripted if f.remaining > 0]
                    return Fault(fault.kind, self.slow_ms, self.retry_after)
            if not self.probabilities:
                return None
            draw = self._rng.random()
        for kind, probability in self.probabilities.items():
            if draw < probability:
                return Fault(kind, self.slow_ms, self.retry_after)
            draw -= probability
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "probabilities": dict(self.probabilities),
            "scripted": [
                {"kind": f.kind, "count": f.remaining, "path": f.path, "method": f.method}
                for f in self.scripted
            ],
            "slowMs": self.slow_ms,
            "retryAfter": self.retry_after,
        }


def error_body(kind: str) -> tuple[int, Any, str]:
    """(status, body, content type) for the status-code kinds, as Langfuse (or its proxy) answers them."""
    if kind == "html_502":
        page = (
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
        )
        return 502, page, "text/html"
    if kind == "422":
        advice = (
            "Query exceeded the memory or time limit. Please narrow the time range, add filters, "
            "or reduce the page size."
        )
        return 422, {"message": advice, "error": "Request timed out"}, "application/json; charset=utf-8"
    if kind == "404":
        return 404, {"message": "Route not found", "error": "LangfuseNotFoundError"}, "application/json; charset=utf-8"
    if kind == "403":
        return (403, {"message": "Access denied - insufficient permissions for this endpoint"},
                "application/json; charset=utf-8")
    if kind == "503":
        return 503, {"message": "Service Unavailable"}, "application/json; charset=utf-8"
    if kind == "502":
        return 502, {"message": "Bad Gateway"}, "application/json; charset=utf-8"
    return (
        500,
        {"message": "Internal Server Error", "error": "Injected fault"},
        "application/json; charset=utf-8",
    )
