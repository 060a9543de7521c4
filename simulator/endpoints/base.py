"""Primitives every endpoint module uses: the request, errors, routing and parameter parsing.

An endpoint module registers handlers with ``@route("GET", "/api/public/v2/observations", profiles=V4)``.
A handler takes a ``Request`` and returns a JSON-serialisable object (200) or a ``Response``; it raises
``ApiError`` for anything else. The server owns auth, rate limits, faults and serialisation.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from simulator.store import Store
from simulator.unkind import Unkindness

V4 = frozenset({"v4"})
LEGACY = frozenset({"legacy"})
BOTH = V4 | LEGACY


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    store: Store
    profile: str
    path_params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    unkind: Unkindness = field(default_factory=Unkindness)
    seed: int = 0  # the data set's seed: every unkind draw is a hash of it

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def get_all(self, name: str) -> list[str]:
        """Repeated parameters and comma-separated values alike (tags, environment, ...)."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v != "")
        return out


@dataclass
class Response:
    status: int
    body: Any  # dict/list (JSON), str (text) or bytes (already encoded)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


class ApiError(Exception):
    """An error answer with Langfuse's status code and body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def invalid_request(issues: list[dict[str, Any]]) -> ApiError:
    """400 for a zod validation failure, as `withMiddlewares.ts` answers it."""
    return ApiError(400, {"message": "Invalid request data", "error": issues})


def zod_issue(path: str, message: str, code: str = "custom") -> dict[str, Any]:
    return {"code": code, "message": message, "path": [path]}


def not_found(message: str) -> ApiError:
    return ApiError(404, {"message": message, "error": "LangfuseNotFoundError"})


def bad_request(message: str) -> ApiError:
    return ApiError(400, {"message": message, "error": "InvalidRequestError"})


Handler = Callable[[Request], Any]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    profiles: frozenset[str]
    handler: Handler
    rate_bucket: str


ROUTES: list[Route] = []


def route(method: str, template: str, profiles: frozenset[str] = BOTH, rate_bucket: str = "public-api"):
    """Register a handler; ``{name}`` segments of the template become ``request.path_params``."""
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$"

    def register(handler: Handler) -> Handler:
        ROUTES.append(Route(method, re.compile(regex), template, profiles, handler, rate_bucket))
        return handler

    return register


# --- parameter parsing ------------------------------------------------------------------------

_ISO_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def parse_datetime_param(request: Request, name: str, required: bool = False) -> datetime | None:
    """`z.string().datetime({offset: true})`: a full timestamp with Z or an offset, else 400."""
    raw = request.get(name)
    if raw is None or raw == "":
        if required:
            raise invalid_request([zod_issue(name, "Required", code="invalid_type")])
        return None
    if not _ISO_WITH_ZONE.match(raw):
        raise invalid_request([zod_issue(name, "Invalid datetime", code="invalid_string")])
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)


def parse_int_param(request: Request, name: str, default: int, minimum: int | None, maximum: int | None) -> int:
    raw = request.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_request([zod_issue(name, "Expected number, received nan", code="invalid_type")]) from None
    if minimum is not None and value < minimum:
        raise invalid_request([zod_issue(name, f"Number must be greater than or equal to {minimum}", "too_small")])
    if maximum is not None and value > maximum:
        raise invalid_request([zod_issue(name, f"Number must be less than or equal to {maximum}", "too_big")])
    return value


def offset_page(request: Request, rows: list[Any], default_limit: int = 50, max_limit: int = 100) -> dict[str, Any]:
    """Offset pagination: `page` >= 1, `limit` <= max (400 above, no clamping), meta with totals."""
    page = parse_int_param(request, "page", 1, 1, None)
    limit = parse_int_param(request, "limit", default_limit, 1, max_limit)
    start = (page - 1) * limit
    total = len(rows)
    return {
        "data": rows[start : start + limit],
        "meta": {"page": page, "limit": limit, "totalItems": total, "totalPages": -(-total // limit)},
    }


def encode_cursor(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(raw: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (ValueError, TypeError):
        raise bad_request("Invalid cursor format") from None


def iso_ms(value: datetime) -> str:
    """Langfuse serialises JS Dates: millisecond precision and a Z."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
