"""The simulator's HTTP server: a stdlib ThreadingHTTPServer speaking HTTP/1.1 keep-alive.

Per request, in the real server's order: fault injection (the network and proxy in front of Langfuse),
auth, rate limit, then the handler, which validates the query. Every answer carries a Content-Length and
is written with one ``sendall`` (headers and body together, so Nagle never delays a response).
"""

from __future__ import annotations

import base64
import binascii
import socket
import threading
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from simulator import control
from simulator.endpoints import base, load_all
from simulator.endpoints.catalog import UNAUTHENTICATED_TEMPLATES
from simulator.faults import Fault, FaultPlan, error_body
from simulator.ingestion import Ingestion
from simulator.latency import LatencyClock
from simulator.ratelimit import RateLimiter, Verdict
from simulator.store import Store
from simulator.unkind import Unkindness

JSON = "application/json; charset=utf-8"
API_PREFIX = "/api/public"
CONTROL_PREFIX = "/_sim/"
PROFILES = ("v4", "legacy")
_HOST_HINT = "Confirm that you've configured the correct host."


class Stats:
    """Counters the benchmarks and tests read: requests by route template and status, faults, 429s, rows,
    and the public API requests in flight (now and the peak since the last reset)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            self._rows: dict[str, int] = defaultdict(int)
            self._faults: dict[str, int] = defaultdict(int)
            self._rate_limited = 0
            # A reset keeps the requests still in flight: they were in flight before it, and still are.
            self._peak_in_flight = self._in_flight

    def entered(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)

    def left(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def request(self, route: str, status: int, rows: int = 0) -> None:
        with self._lock:
            self._requests[route][status] += 1
            if rows:
                self._rows[route] += rows

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def rate_limited(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def snapshot(self) -> dict[str, Any]:
        """Plain JSON: ``requests["GET /api/public/..."]["200"]``, ``faults[kind]``, ``rateLimited``,
        ``inFlight`` and ``peakInFlight`` (public API requests being served: control requests are not counted)."""
        with self._lock:
            return {
                "total": sum(sum(by.values()) for by in self._requests.values()),
                "requests": {
                    r: {str(s): n for s, n in sorted(by.items())} for r, by in self._requests.items()
                },
                "rowsServed": dict(self._rows),
                "faults": dict(self._faults),
                "rateLimited": self._rate_limited,
                "inFlight": self._in_flight,
                "peakInFlight": self._peak_in_flight,
            }


@dataclass
class ServerState:
    store: Store
    profile: str
    public_key: str
    secret_key: str
    faults: FaultPlan = field(default_factory=FaultPlan)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    stats: Stats = field(default_factory=Stats)
    seed: int = 0
    unkind: Unkindness = field(default_factory=Unkindness)
    ingestion: Ingestion = field(init=False)
    latency: LatencyClock = field(init=False)

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown api profile {self.profile!r}; known: {', '.join(PROFILES)}")
        self.ingestion = Ingestion(self.seed, lambda: self.unkind.ingestion_lag_seconds)
        self.latency = LatencyClock(self.seed)


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    rows: int = 0


def _json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, orjson.dumps(body), JSON, dict(headers or {}))


def _encode(status: int, body: Any, content_type: str, headers: dict[str, str]) -> Answer:
    rows = len(body["data"]) if isinstance(body, dict) and isinstance(body.get("data"), list) else 0
    if isinstance(body, bytes):
        payload = body
    elif isinstance(body, str):
        payload = body.encode()
    else:
        payload = orjson.dumps(body)
    return Answer(status, payload, content_type, dict(headers), rows)


# --- auth -------------------------------------------------------------------------------------


def authenticate(state: ServerState, header: str | None) -> Answer | str:
    """The access level ("project" or "scores"), or the 401 answer."""
    if not header:
        return _json_answer(401, {"message": "No authorization header"})
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        if credentials == state.public_key:
            return "scores"
        return _json_answer(401, {"message": f"Invalid public key. {_HOST_HINT}"})
    if scheme.lower() != "basic":
        return _json_answer(401, {"message": f"Invalid authorization header. {_HOST_HINT}"})
    try:
        public_key, _, secret_key = base64.b64decode(credentials, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return _json_answer(401, {"message": f"Invalid authorization header. {_HOST_HINT}"})
    if public_key != state.public_key or secret_key != state.secret_key:
        return _json_answer(401, {"message": f"Invalid credentials. {_HOST_HINT}"})
    return "project"


# --- routing ----------------------------------------------------------------------------------


def match_route(method: str, path: str, profile: str) -> tuple[base.Route | None, dict[str, str], str]:
    """(route, path params, outcome): outcome is "ok", "other-profile" (the route is the other
    profile's), "method" or "unknown"."""
    outcome, elsewhere = "unknown", None
    for candidate in base.ROUTES:
        found = candidate.pattern.match(path)
        if found is None:
            continue
        if candidate.method != method:
            outcome = "method" if outcome == "unknown" else outcome
            continue
        if profile in candidate.profiles:
            return candidate, found.groupdict(), "ok"
        outcome, elsewhere = "other-profile", candidate
    return elsewhere, {}, outcome


def _other_profile_404(profile: str) -> Answer:
    if profile == "v4":
        # HEAD's rejectInEventsOnlyMode: the legacy v3 reads are gone on a v4 deployment.
        message = (
            "This endpoint is not available on this deployment (v4). Use /api/public/v2/observations, "
            "/api/public/v3/scores or /api/public/experiments instead."
        )
    else:
        message = "Not Found: this endpoint requires the Langfuse v4 events API, which this deployment does not enable."
    return _json_answer(404, {"message": message, "error": "LangfuseNotFoundError"})


def _rate_limited(verdict: Verdict) -> Answer:
    return _json_answer(429, verdict.body(), verdict.headers())


def handle_api(
    state: ServerState, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
) -> tuple[str, Answer]:
    """(route label for the stats, answer) for one /api/public request, faults aside."""
    route, params, outcome = match_route(method, path, state.profile)
    label = f"{method} {route.template}" if route else f"{method} <{outcome}>"
    if outcome == "unknown":
        return label, _json_answer(404, {"message": "Route not found", "error": "LangfuseNotFoundError"})
    if outcome == "method":
        return label, _json_answer(
            405, {"message": f"Method {method} not allowed", "error": "MethodNotAllowedError"}
        )

    if outcome == "other-profile" or route.template not in UNAUTHENTICATED_TEMPLATES:
        level = authenticate(state, headers.get("authorization"))
        if isinstance(level, Answer):
            return label, level
        if level != "project":
            return label, _json_answer(
                403, {"message": "Access denied - insufficient permissions for this endpoint"}
            )
    if outcome == "other-profile":
        return label, _other_profile_404(state.profile)

    verdict = state.limiter.check(route.rate_bucket)
    if verdict is not None:
        state.stats.rate_limited()
        return label, _rate_limited(verdict)

    # Path segments arrive percent-encoded: names in folders ("folder/name") are sent with %2F.
    params = {name: unquote(value) for name, value in params.items()}
    state.ingestion.apply_due(state.store)
    request = base.Request(method, path, query, state.store, state.profile, params, headers, state.unkind, state.seed)
    try:
        result = route.handler(request)
    except base.ApiError as error:
        return label, _encode(error.status, error.body, JSON, error.headers)
    except Exception as error:  # noqa: BLE001 - the real server answers 500 for anything unexpected
        traceback.print_exc()
        return label, _json_answer(
            500, {"message": "Internal Server Error", "error": f"{type(error).__name__}: {error}"}
        )
    if isinstance(result, base.Response):
        return label, _encode(result.status, result.body, result.content_type, result.headers)
    return label, _capped(_encode(200, result, JSON, {}), state.unkind.response_cap_bytes)


def _capped(answer: Answer, cap: int | None) -> Answer:
    """A page too large to send is refused, as HEAD does: the same request always is, a smaller
    ``limit`` passes. Only lists: a single object cannot be made smaller by the client."""
    if cap is None or answer.rows == 0 or len(answer.body) <= cap:
        return answer
    advice = (
        f"Response size ({len(answer.body)} bytes) exceeds the limit of {cap} bytes. Please reduce the page "
        "size (limit), narrow the time range, or request fewer field groups."
    )
    return _json_answer(422, {"message": advice, "error": "PayloadTooLargeError"})


# --- faults -----------------------------------------------------------------------------------


def fault_answer(fault: Fault) -> Answer | None:
    """The answer that replaces the handler's for the status-code kinds; None for the others."""
    if fault.kind == "429":
        now = time.time()
        verdict = Verdict(
            limit=1000, remaining=0, reset_at=now + fault.retry_after, retry_after=fault.retry_after
        )
        return _rate_limited(verdict)
    if fault.kind in ("403", "404", "500", "502", "503", "422", "html_502"):
        status, body, content_type = error_body(fault.kind)
        return _encode(status, body, content_type, {})
    return None


# --- the HTTP handler -------------------------------------------------------------------------


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LangfuseSimulator/1.0"
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    server: SimulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        path = parts.path
        headers = {key.lower(): value for key, value in self.headers.items()}
        raw_body = self._read_body()

        if path.startswith(CONTROL_PREFIX):
            self._serve_control(state, path, headers, raw_body)
            return
        query = parse_qs(parts.query, keep_blank_values=True)
        if not path.startswith(API_PREFIX):
            self._send(_json_answer(404, {"message": "Not Found"}))
            return
        state.stats.entered()
        try:
            self._serve_api(state, path, query, headers)
        finally:
            state.stats.left()

    def _serve_api(self, state: ServerState, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> None:
        # Nothing below holds a lock while it waits (the fault's and the latency's sleeps): requests on
        # other connections are served meanwhile, each on its own thread, as a real server's would be.
        started = time.perf_counter()
        fault = state.faults.decide(self.command, path)
        if fault is not None:
            state.stats.fault(fault.kind)
            if fault.kind == "drop":
                self.close_connection = True
                return
            if fault.kind == "slow":
                time.sleep(fault.slow_ms / 1000)
                fault = None
                started = time.perf_counter()
            elif (answer := fault_answer(fault)) is not None:
                state.stats.request(f"{self.command} <fault>", answer.status)
                self._send(self._delayed(state, answer, started))
                return

        label, answer = handle_api(state, self.command, path, query, headers)
        state.stats.request(label, answer.status, answer.rows)
        self._send(self._delayed(state, answer, started), fault)

    @staticmethod
    def _delayed(state: ServerState, answer: Answer, started: float) -> Answer:
        """``answer`` once the modelled latency (simulator.latency) has passed since ``started``."""
        wait = state.latency.remaining(answer.rows, len(answer.body), time.perf_counter() - started,
                                       state.stats.in_flight)
        if wait > 0:
            time.sleep(wait)
        return answer

    def _serve_control(self, state: ServerState, path: str, headers: dict[str, str], raw_body: bytes) -> None:
        level = authenticate(state, headers.get("authorization"))
        if isinstance(level, Answer) or level != "project":
            self._send(
                level if isinstance(level, Answer) else _json_answer(403, {"message": "Access denied"})
            )
            return
        try:
            body = orjson.loads(raw_body) if raw_body else {}
        except orjson.JSONDecodeError:
            self._send(_json_answer(400, {"message": "body is not JSON"}))
            return
        status, result = control.handle(state, self.command, path, body)
        self._send(_json_answer(status, result))

    def _send(self, answer: Answer, fault: Fault | None = None) -> None:
        body, content_type, declared = answer.body, answer.content_type, len(answer.body)
        close_after = False
        if fault is not None:
            if fault.kind == "malformed_json":
                body = body[: max(1, len(body) // 2)]
                declared = len(body)
            elif fault.kind == "truncated":
                declared = len(body) + 1024
                close_after = True
            elif fault.kind == "drop_mid_body":
                body = body[: len(body) // 2]
                close_after = True
            elif fault.kind == "wrong_content_type":
                content_type = "text/html; charset=utf-8"
        head = [f"HTTP/1.1 {answer.status} {self.responses.get(answer.status, ('',))[0]}"]
        head.append(f"Content-Type: {content_type}")
        head.append(f"Content-Length: {declared}")
        head.append(f"Date: {self.date_time_string()}")
        head.extend(f"{key}: {value}" for key, value in answer.headers.items())
        if close_after:
            head.append("Connection: close")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            close_after = True
        if close_after:
            self.close_connection = True


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: ServerState):
        super().__init__(address, SimulatorRequestHandler)
        self.state = state
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Close idle keep-alive connections so that their handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def start_server(
    state: ServerState, host: str = "127.0.0.1", port: int = 0
) -> tuple[SimulatorHTTPServer, threading.Thread]:
    """Serve ``state`` in a daemon thread; port 0 picks a free port (``server.server_address``)."""
    load_all()
    server = SimulatorHTTPServer((host, port), state)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="langfuse-simulator", daemon=True
    )
    thread.start()
    return server, thread
