"""Query-parameter helpers shared by the v4 endpoint modules (on top of ``base``'s parsers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from simulator.endpoints.base import (
    ApiError,
    Request,
    invalid_request,
    iso_ms,
    parse_datetime_param,
    zod_issue,
)


def iso_bound(request: Request, name: str, required: bool = False) -> str | None:
    """A datetime parameter as the store's ISO string (ms, Z), so bounds compare as strings.

    Flooring to the millisecond is what the real server does too: it turns the parameter into a JS Date.
    """
    value = parse_datetime_param(request, name, required=required)
    return None if value is None else iso_ms(value)


def normalise_iso(raw: str) -> str | None:
    """An ISO timestamp from a cursor in the store's format, or None when it is not one."""
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return iso_ms(value)


def parse_bool_param(request: Request, name: str) -> bool | None:
    raw = request.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise invalid_request([zod_issue(name, "Expected boolean, received string", code="invalid_type")])


def csv_set(request: Request, name: str) -> frozenset[str] | None:
    """A comma-separated (or repeated) parameter as a set; None when absent."""
    values = request.get_all(name)
    return frozenset(values) if values else None


def reject_unknown_params(request: Request, allowed: Iterable[str]) -> None:
    """zod ``.strict()``: an unrecognised query key is a 400 (comments, annotation queues)."""
    unknown = sorted(set(request.query) - set(allowed))
    if unknown:
        raise invalid_request(
            [
                {
                    "code": "unrecognized_keys",
                    "keys": unknown,
                    "path": [],
                    "message": f"Unrecognized key(s) in object: {', '.join(repr(k) for k in unknown)}",
                }
            ]
        )


def field_groups(
    request: Request, known: Iterable[str], default: Iterable[str], strict: bool
) -> frozenset[str]:
    """The requested field groups; unknown names are a 400 when ``strict``, otherwise dropped."""
    raw = request.get("fields")
    if raw is None or raw.strip() == "":
        return frozenset(default)
    names = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = sorted(names - set(known))
    if unknown and strict:
        raise invalid_request([zod_issue("fields", f"Invalid field group(s): {', '.join(unknown)}")])
    return frozenset(names & set(known))


def not_found_error(entity: str) -> ApiError:
    return ApiError(404, {"message": f"{entity} not found", "error": "LangfuseNotFoundError"})
