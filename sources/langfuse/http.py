"""The one HTTP client of a sync: auth, pacing under a plan's rate limit, retries, clear errors.

One ``httpx.Client`` per Langfuse project and run, with connection reuse. Transient failures
(429 with ``Retry-After``, 5xx, 422 overloads, timeouts, dropped connections, bodies a proxy mangled)
are retried with capped exponential backoff and full jitter (but a 422 on a page the engine can make
smaller, which repeats for the same request, is raised at once: ``QueryTooHeavyError``); anything else
fails at once with a message naming the host, the endpoint and what to check. Credentials never appear
in messages.
"""

from __future__ import annotations

import logging
import random
import statistics
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import orjson

from sources.langfuse import settings
from sources.langfuse.errors import (
    AccessDeniedError,
    AuthenticationError,
    EndpointNotAvailableError,
    QueryTooHeavyError,
    ResponseError,
    RetriesExhaustedError,
)
from sources.langfuse.server_load import Answer, ServerLoad

log = logging.getLogger("langfuse_warehouse.http")

_RETRYABLE_STATUS = {408, 409, 422, 429, 500, 502, 503, 504}

T = TypeVar("T")


class BadBody(ValueError):
    """The body is not the JSON object a page must be (truncated, mangled, HTML): worth a retry."""


def decode_json_object(content: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise BadBody("invalid or truncated JSON") from None
    if not isinstance(body, dict):
        raise BadBody("not a JSON object")
    return body


class RequestPacer:
    """Never more than ``max_rpm`` request starts in any 60 seconds, so a sync never earns a 429.

    A sliding window over the last ``max_rpm`` starts, not a fixed spacing: time lost to a slow
    page or to a load between chunks is made up by the next requests, and a plan's fixed
    one-minute windows can never see more than ``max_rpm`` either.
    """

    # One second more than the server's minute: a request that started late but arrived early
    # (latency varies) must still not land in the same server window as the one 1,000 before it.
    WINDOW_SECONDS = 61.0

    def __init__(self, max_rpm: float | None, clock=time.monotonic, sleep=time.sleep):
        self.max_requests = int(max_rpm) if max_rpm else 0
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    @property
    def requests_per_second(self) -> float | None:
        return self.max_requests / self.WINDOW_SECONDS if self.max_requests else None

    def wait(self) -> None:
        """Block until a request may start; any number of threads may wait at once."""
        if not self.max_requests:
            return
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self.WINDOW_SECONDS:
                    self._starts.popleft()
                if len(self._starts) < self.max_requests:
                    self._starts.append(now)
                    return
                delay = self.WINDOW_SECONDS - (now - self._starts[0])
            self._sleep(max(delay, 0.001))


@dataclass
class RetryPolicy:
    max_retries: int = settings.MAX_RETRIES
    backoff_base: float = settings.BACKOFF_BASE_SECONDS
    backoff_cap: float = settings.BACKOFF_CAP_SECONDS
    retry_after_cap: float = settings.RETRY_AFTER_CAP_SECONDS

    def backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))


@dataclass
class RequestStats:
    """What one client sent; counted under a lock, as several threads share the client."""

    requests: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    peak_in_flight: int = 0
    # The last answers' times: requests in flight are sized on their median. A window, not a moving
    # average from the first answer: that was /projects' quick one, and it kept a backfill at half its
    # requests in flight for its first pages. Not the slowest either: more in flight than the rate needs
    # means more sub-windows, each ending in a short page that costs a request of the plan's rate. Not
    # the mean: one slow answer (a server warming its caches for 10 s) would set it for 20 requests.
    _latencies: deque[float] = field(default_factory=lambda: deque(maxlen=20), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _answer: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def last_answer(self) -> Answer | None:
        """This thread's last answer (``server_load`` weighs it against the server's unloaded time)."""
        return getattr(self._answer, "last", None)

    def answered(self, answer: Answer) -> None:
        self._answer.last = answer

    @property
    def latency_seconds(self) -> float | None:
        """The median of the last 20 answers (None before the first)."""
        with self._lock:
            return statistics.median(self._latencies) if self._latencies else None

    @property
    def retried(self) -> int:
        return sum(self.retries.values())

    def count_retry(self, reason: str) -> None:
        with self._lock:
            self.retries[reason] += 1

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._lock:
            self.requests += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        started = time.monotonic()
        try:
            yield
        finally:
            elapsed = time.monotonic() - started
            with self._lock:
                self.in_flight -= 1
                self._latencies.append(elapsed)


class _Transient(Exception):
    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class LangfuseClient:
    def __init__(
        self,
        host: str,
        public_key: str,
        secret_key: str,
        *,
        max_rpm: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = settings.REQUEST_TIMEOUT_SECONDS,
    ):
        self.host = host.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.pacer = RequestPacer(max_rpm)
        self.stats = RequestStats()
        self.server_load = ServerLoad(ceiling=settings.MAX_REQUESTS_IN_FLIGHT)
        self._http = httpx.Client(
            base_url=self.host + settings.API_PREFIX,
            auth=httpx.BasicAuth(public_key, secret_key),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            # One connection per request in flight (``concurrency.MAX_WORKERS``, a few fan-outs more):
            # a request waiting for a connection would start later than the pacer counted it.
            limits=httpx.Limits(max_keepalive_connections=32, max_connections=64),
            headers={"Accept": "application/json", "User-Agent": "langfuse-warehouse"},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LangfuseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, params: dict[str, Any] | None = None,
            decode: Callable[[bytes], T] = decode_json_object, shrinkable: bool = False) -> T:
        """GET a JSON object, retrying transient failures; raises a LangfuseSyncError otherwise.

        ``decode`` turns the body into what the caller wants (a dict by default; the engine decodes
        pages straight to Arrow); it raises ``BadBody`` for a body worth fetching again.
        ``shrinkable``: the caller can ask for a smaller page, so a 422 (a query too heavy for the
        server, which repeats for the same request) raises ``QueryTooHeavyError`` at once.
        """
        params = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            self.pacer.wait()
            try:
                with self.stats.request():
                    return self._get_once(path, params, decode, shrinkable)
            except _Transient as transient:
                if attempt >= self.retry.max_retries:
                    raise RetriesExhaustedError(
                        f"GET {self.host}{settings.API_PREFIX}{path} failed {attempt + 1} times; "
                        f"last: {transient.reason}"
                    ) from None
                self.stats.count_retry(transient.reason.split(":")[0])
                wait = transient.wait if transient.wait is not None else self.retry.backoff(attempt)
                log.info("retrying %s in %.2fs after %s", path, wait, transient.reason)
                time.sleep(wait)
                attempt += 1

    def _get_once(self, path: str, params: dict[str, Any], decode: Callable[[bytes], T], shrinkable: bool) -> T:
        sent = time.monotonic()
        try:
            response = self._http.get(path, params=params)
            self.stats.answered(Answer(sent, time.monotonic() - sent, self.stats.in_flight))
        except httpx.TimeoutException as error:
            raise _Transient(f"timeout: {type(error).__name__}") from None
        except (httpx.TransportError, httpx.DecodingError) as error:
            # httpx's text says what happened ("Connection refused", "peer closed connection without
            # sending complete message body"); it holds no headers, so no credentials.
            detail = str(error).strip()[:160]
            raise _Transient(f"connection: {type(error).__name__}" + (f" ({detail})" if detail else "")) from None
        status = response.status_code
        if status == 403 and path != "/projects":
            # The keys were accepted at connect (/projects): this one endpoint is closed to them.
            raise AccessDeniedError(f"{self.host}{settings.API_PREFIX}{path} answered 403 ({_message(response)}): "
                                    "the key pair may not read this endpoint")
        if status in (401, 403):
            raise AuthenticationError(
                f"Langfuse at {self.host} refused the API keys ({status} {_message(response)}). Check "
                "LANGFUSE_HOST (or LANGFUSE_BASE_URL), LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY: "
                "they must be a project's key pair for this host."
            )
        if status == 404:
            raise EndpointNotAvailableError(f"{self.host}{settings.API_PREFIX}{path} answered 404 ({_message(response)})")
        if status == 422 and shrinkable:
            raise QueryTooHeavyError(f"GET {path} limit={params.get('limit')}: {_message(response)}")
        if status in _RETRYABLE_STATUS:
            wait = _retry_after(response, self.retry.retry_after_cap) if status == 429 else None
            # An HTML page instead of Langfuse's JSON error means a proxy or load balancer answered.
            html = "html" in response.headers.get("content-type", "")
            raise _Transient(f"http {status}" + (": an HTML error page (a proxy?)" if html else ""), wait)
        if status >= 400:
            raise ResponseError(f"GET {path} with {params} was rejected: {status} {_message(response)}")
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type:
            # A proxy's HTML error page with a 200, or a mangled response: try again.
            raise _Transient(f"bad body: content type {content_type or 'missing'}")
        try:
            return decode(response.content)
        except BadBody as bad:
            raise _Transient(f"bad body: {bad}") from None


def _retry_after(response: httpx.Response, cap: float) -> float | None:
    raw = response.headers.get("retry-after")
    try:
        return None if raw is None else min(max(float(raw), 0.0), cap)
    except ValueError:
        return None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("message", body))[:300] if isinstance(body, dict) else str(body)[:300]
    except ValueError:
        return response.text[:200].strip()
