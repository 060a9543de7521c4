"""Langfuse Cloud's per-organisation rate limits: fixed windows per resource bucket.

Off by default (self-hosted never sends 429). A plan preset ("hobby", "core", "pro") gives each bucket its
Cloud limit; ``max_rpm`` instead caps every request at one flat number per minute. Over the limit the
server answers 429 with ``Retry-After`` = seconds until the window resets.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True)
class Limit:
    points: int
    window_seconds: int


# None: the bucket is not limited (prompts are never rate limited). An unknown bucket counts as public-api.
PLANS: dict[str, dict[str, Limit | None]] = {
    "hobby": {
        "public-api": Limit(30, MINUTE),
        "public-api-legacy": Limit(15, MINUTE),
        "public-api-v2-metrics": Limit(100, DAY),
        "public-api-metrics": Limit(100, DAY),
        "datasets": Limit(100, MINUTE),
        "prompts": None,
    },
    "core": {
        "public-api": Limit(100, MINUTE),
        "public-api-legacy": Limit(30, MINUTE),
        "public-api-v2-metrics": Limit(100, HOUR),
        "public-api-metrics": Limit(100, DAY),  # the guide gives v1 metrics for hobby and pro only
        "datasets": Limit(200, MINUTE),
        "prompts": None,
    },
    "pro": {
        "public-api": Limit(1000, MINUTE),
        "public-api-legacy": Limit(100, MINUTE),
        "public-api-v2-metrics": Limit(500, HOUR),
        "public-api-metrics": Limit(2000, DAY),
        "datasets": Limit(1000, MINUTE),
        "prompts": None,
    },
}


@dataclass(frozen=True)
class Verdict:
    """A refused request: what the 429's headers and body report."""

    limit: int
    remaining: int
    reset_at: float  # epoch seconds
    retry_after: int

    def headers(self) -> dict[str, str]:
        reset = datetime.fromtimestamp(self.reset_at, UTC)
        return {
            "Retry-After": str(self.retry_after),
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            # A JS Date.toString(), as the real server sends it.
            "X-RateLimit-Reset": reset.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)"),
        }

    def body(self) -> dict[str, Any]:
        reset = datetime.fromtimestamp(self.reset_at, UTC)
        return {
            "message": "Rate limit exceeded",
            "code": "rate_limited",
            "details": {
                "retryAfterSeconds": self.retry_after,
                "limit": self.limit,
                "remaining": self.remaining,
                "resetAt": reset.strftime("%Y-%m-%dT%H:%M:%S.") + f"{reset.microsecond // 1000:03d}Z",
            },
        }


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._limits: dict[str, Limit | None] | None = None
        self._flat: Limit | None = None
        self._used: dict[tuple[str, int], int] = {}
        self.plan: str | None = None

    def set_plan(self, plan: str | None) -> None:
        if plan is not None and plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}; known: {', '.join(PLANS)}")
        with self._lock:
            self.plan, self._limits, self._flat = plan, (PLANS[plan] if plan else None), None
            self._used.clear()

    def set_max_rpm(self, max_rpm: int | None) -> None:
        with self._lock:
            self.plan, self._limits = None, None
            self._flat = Limit(int(max_rpm), MINUTE) if max_rpm else None
            self._used.clear()

    @property
    def enabled(self) -> bool:
        return self._limits is not None or self._flat is not None

    def _limit_for(self, bucket: str) -> Limit | None:
        if self._flat is not None:
            return self._flat
        if self._limits is None:
            return None
        return self._limits.get(bucket, self._limits["public-api"])

    def check(self, bucket: str) -> Verdict | None:
        """Count one request against ``bucket``; a Verdict when it is over the limit."""
        if not self.enabled:
            return None
        now = self._clock()
        with self._lock:
            limit = self._limit_for(bucket)
            if limit is None:
                return None
            # The flat limit is one shared budget; plan buckets are counted separately.
            counter = "*" if self._flat is not None else bucket
            window = int(now // limit.window_seconds)
            key = (counter, window)
            used = self._used.get(key, 0)
            if used >= limit.points:
                reset_at = (window + 1) * limit.window_seconds
                retry_after = max(1, math.ceil(reset_at - now))
                return Verdict(limit.points, 0, reset_at, retry_after)
            self._used[key] = used + 1
            if len(self._used) > 64:
                self._used = {k: v for k, v in self._used.items() if k[1] >= window - 1}
            return None
