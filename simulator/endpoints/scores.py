"""GET /api/public/v3/scores: scores with a polymorphic ``value``, keyset cursor, field groups.

Order ``timestamp DESC, id DESC``; ``fromTimestamp`` inclusive, ``toTimestamp`` exclusive; max 100 per
page; unknown field groups are a 400 (unlike observations, which drop them).
"""

from __future__ import annotations

import math
from typing import Any

from simulator.endpoints.base import (
    V4,
    Request,
    bad_request,
    invalid_request,
    parse_int_param,
    route,
    zod_issue,
)
from simulator.endpoints.keyset import INDEXES, decode_json_cursor, encode_json_cursor
from simulator.endpoints.params import csv_set, field_groups, iso_bound, normalise_iso
from simulator.store import Row, Store

CORE_FIELDS = (
    "id",
    "projectId",
    "name",
    "value",
    "dataType",
    "source",
    "timestamp",
    "environment",
    "createdAt",
    "updatedAt",
)
GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "details": ("comment", "configId", "metadata"),
    "subject": ("subject",),
    "annotation": ("authorUserId", "queueId"),
}
MAX_LIMIT = 100

_PLAIN_FILTERS = ("id", "name", "environment", "configId", "queueId", "authorUserId")
_UPPERCASE_FILTERS = ("source", "dataType")
_VALUE_TYPES = ("NUMERIC", "BOOLEAN", "CATEGORICAL")


def _sort_key(row: Row) -> tuple:
    return (row["timestamp"], row["id"])


def _scores(store: Store) -> list[Row]:
    return store.scores


def score_projection(groups: frozenset[str]):
    """A function cutting a canonical ScoreV3 row down to core + ``groups`` (experiments reuse it)."""
    keys = CORE_FIELDS + tuple(
        key for group in GROUP_FIELDS if group in groups for key in GROUP_FIELDS[group]
    )

    def project(row: Row) -> Row:
        get = row.get
        return {key: get(key) for key in keys}

    return project


def _parse_values(data_type: str, raw_values: list[str]) -> frozenset[Any]:
    if data_type == "NUMERIC":
        try:
            numbers = [float(v) for v in raw_values]
        except ValueError:
            numbers = [math.nan]
        if not all(math.isfinite(n) for n in numbers):
            raise bad_request("value must be a finite number for dataType NUMERIC")
        return frozenset(numbers)
    if data_type == "BOOLEAN":
        if any(v.lower() not in ("true", "false") for v in raw_values):
            raise bad_request('value must be "true" or "false" for dataType BOOLEAN')
        return frozenset(v.lower() == "true" for v in raw_values)
    return frozenset(raw_values)


def _parse_number(request: Request, name: str) -> float | None:
    raw = request.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise invalid_request([zod_issue(name, "Expected number, received nan", "invalid_type")]) from None


def _filters(request: Request) -> tuple[tuple[str, Any], ...]:
    chosen: list[tuple[str, Any]] = []
    for name in _PLAIN_FILTERS:
        values = csv_set(request, name)
        if values:
            chosen.append((name, values))
    for name in _UPPERCASE_FILTERS:
        values = csv_set(request, name)
        if values:
            chosen.append((name, frozenset(v.upper() for v in values)))
    data_types = dict(chosen).get("dataType")
    single_type = next(iter(data_types)) if data_types and len(data_types) == 1 else None

    raw_values = request.get_all("value")
    if raw_values:
        if single_type not in _VALUE_TYPES:
            raise bad_request("value requires a single dataType of NUMERIC, BOOLEAN or CATEGORICAL")
        chosen.append(("value", _parse_values(single_type, raw_values)))
    value_min, value_max = _parse_number(request, "valueMin"), _parse_number(request, "valueMax")
    if (value_min is not None or value_max is not None) and single_type != "NUMERIC":
        raise bad_request("valueMin and valueMax require dataType=NUMERIC")
    if value_min is not None:
        chosen.append(("valueMin", value_min))
    if value_max is not None:
        chosen.append(("valueMax", value_max))

    subjects = {
        name: csv_set(request, name) for name in ("traceId", "sessionId", "observationId", "experimentId")
    }
    given = {name for name, values in subjects.items() if values}
    if subjects["observationId"] and not subjects["traceId"]:
        raise bad_request("observationId requires traceId, because observation ids are scoped to a trace")
    if len(given & {"traceId", "sessionId", "experimentId"}) > 1:
        raise bad_request("traceId, sessionId and experimentId are mutually exclusive")
    for name in sorted(given):
        chosen.append((name, subjects[name]))
    return tuple(chosen)


def _subject_matches(
    subject: dict | None, name: str, wanted: frozenset[str], filters: dict[str, Any]
) -> bool:
    if not subject:
        return False
    kind = subject.get("kind")
    if name == "traceId":
        if kind == "trace":
            return "observationId" not in filters and subject.get("id") in wanted
        return kind == "observation" and subject.get("traceId") in wanted
    if name == "observationId":
        return kind == "observation" and subject.get("id") in wanted
    if name == "sessionId":
        return kind == "session" and subject.get("id") in wanted
    return kind == "experiment" and subject.get("id") in wanted


def _predicate(filters: tuple[tuple[str, Any], ...]):
    by_name = dict(filters)

    def matches(row: Row) -> bool:
        for name, wanted in filters:
            if name in ("traceId", "sessionId", "observationId", "experimentId"):
                if not _subject_matches(row.get("subject"), name, wanted, by_name):
                    return False
            elif name == "valueMin":
                if not isinstance(row.get("value"), (int, float)) or row["value"] < wanted:
                    return False
            elif name == "valueMax":
                if not isinstance(row.get("value"), (int, float)) or row["value"] > wanted:
                    return False
            elif row.get(name) not in wanted:
                return False
        return True

    return matches


def _cursor_key(raw: str) -> tuple[str, str]:
    payload = decode_json_cursor(raw, ("lastTimestamp", "lastId"))
    timestamp = normalise_iso(payload["lastTimestamp"])
    if timestamp is None:
        raise bad_request("Invalid cursor format")
    return (timestamp, payload["lastId"])


@route("GET", "/api/public/v3/scores", profiles=V4)
def list_scores(request: Request) -> dict[str, Any]:
    limit = parse_int_param(request, "limit", 50, 1, MAX_LIMIT)
    groups = field_groups(request, GROUP_FIELDS, (), strict=True)
    lower = iso_bound(request, "fromTimestamp")
    upper = iso_bound(request, "toTimestamp")
    filters = _filters(request)
    after = _cursor_key(request.get("cursor")) if request.get("cursor") else None

    if filters:
        index = INDEXES.get(request.store, ("scores", filters), _scores, _sort_key, _predicate(filters))
    else:
        index = INDEXES.get(request.store, "scores", _scores, _sort_key)
    lo, hi = index.window(lower, upper)
    rows, next_key = index.desc_page(lo, hi, after, limit)

    meta: dict[str, Any] = {"limit": limit}
    if next_key is not None:
        meta["cursor"] = encode_json_cursor(
            {"lastTimestamp": rows[-1]["timestamp"], "lastId": rows[-1]["id"]}
        )
    project = score_projection(groups)
    return {"data": [project(row) for row in rows], "meta": meta}
