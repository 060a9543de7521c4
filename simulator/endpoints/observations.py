"""GET /api/public/v2/observations: the v4 observation list (keyset cursor, field groups).

Order ``start_time DESC, xxHash32(trace_id) DESC, id DESC``; the cursor carries the last row's three
keys, so rows sharing a start time are split across pages without loss or repetition.
"""

from __future__ import annotations

from typing import Any

import orjson

from simulator.endpoints.base import (
    V4,
    Request,
    bad_request,
    invalid_request,
    parse_int_param,
    route,
    zod_issue,
)
from simulator.endpoints.filters import conditions_match, parse_filter
from simulator.endpoints.keyset import INDEXES, decode_json_cursor, encode_json_cursor, trace_hash
from simulator.endpoints.params import csv_set, iso_bound, normalise_iso, parse_bool_param
from simulator.store import Row, Store

GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "core": ("id", "traceId", "startTime", "endTime", "projectId", "parentObservationId", "type"),
    "basic": (
        "name",
        "level",
        "statusMessage",
        "version",
        "environment",
        "bookmarked",
        "public",
        "userId",
        "sessionId",
        "isRootObservation",
    ),
    "time": ("completionStartTime", "createdAt", "updatedAt"),
    "io": ("input", "output"),
    "metadata": ("metadata",),
    # The server answers `model`, not the spec's `providedModelName`.
    "model": (
        "model",
        "internalModelId",
        "modelParameters",
        "modelId",
        "inputPrice",
        "outputPrice",
        "totalPrice",
    ),
    "usage": (
        "usageDetails",
        "costDetails",
        "totalCost",
        "usagePricingTierName",
        "inputUsage",
        "outputUsage",
        "totalUsage",
        "inputCost",
        "outputCost",
    ),
    "prompt": ("promptId", "promptName", "promptVersion"),
    "metrics": ("latency", "timeToFirstToken"),
    "trace_context": ("traceName", "tags", "release"),
}
DEFAULT_GROUPS = frozenset({"core", "basic"})
ALL_GROUPS = frozenset(GROUP_FIELDS)
METADATA_CUT = 200
MAX_LIMIT = 1000

_SIMPLE_FILTERS = ("traceId", "name", "type", "level", "userId", "version", "sessionId")
_SAME = (
    "id",
    "type",
    "name",
    "traceId",
    "startTime",
    "endTime",
    "environment",
    "level",
    "statusMessage",
    "version",
    "userId",
    "sessionId",
    "isRootObservation",
    "parentObservationId",
    "traceName",
    "latency",
    "timeToFirstToken",
    "inputCost",
    "outputCost",
    "totalCost",
    "model",
    "promptName",
    "promptVersion",
    "input",
    "output",
    "metadata",
)
# `filter` columns and the row keys they read.
FILTER_COLUMNS: dict[str, str] = {
    **{column: column for column in _SAME},
    "traceTags": "tags",
    "tags": "tags",
    "providedModelName": "model",
    "inputTokens": "inputUsage",
    "outputTokens": "outputUsage",
    "totalTokens": "totalUsage",
    "tokens": "totalUsage",
}


def _sort_key(row: Row) -> tuple:
    return (row["startTime"], trace_hash(row.get("traceId")), row["id"])


def _observations(store: Store) -> list[Row]:
    return store.observations


# --- metadata cut -----------------------------------------------------------------------------


_JSON_START = frozenset('{["-0123456789')
_JSON_WORDS = frozenset(("true", "false", "null"))


def _parsed(text: str) -> Any:
    """The API JSON-parses every metadata value that parses: the string "42" is served as 42."""
    if not text or (text[0] not in _JSON_START and text not in _JSON_WORDS):
        return text  # most values are words: no parse attempt
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def cut_value(value: Any) -> Any:
    """ClickHouse's ``leftUTF8(v, 200)`` on the stored string, then the API's JSON parse if it parses
    (metadata is stored as strings: "42" comes back as 42, a cut object as a string)."""
    if isinstance(value, str):
        if len(value) <= METADATA_CUT:
            return _parsed(value)
        text = value
    else:
        encoded = orjson.dumps(value)
        if len(encoded) <= METADATA_CUT:  # bytes >= characters: short enough without decoding
            return value
        text = encoded.decode()
        if len(text) <= METADATA_CUT:
            return value
    cut = text[:METADATA_CUT]
    try:
        return orjson.loads(cut)
    except orjson.JSONDecodeError:
        return cut


def _expanded(value: Any) -> Any:
    """A value named in ``expandMetadata``: whole, still JSON-parsed where it parses."""
    return _parsed(value) if isinstance(value, str) else value


def parse_metadata(metadata: Any) -> Any:
    """Every value as the API parses it, none cut: what ``expandMetadata`` of every key, or the blob-storage
    export read as the API serves it, gives."""
    if not isinstance(metadata, dict):
        return metadata
    return {key: _expanded(value) for key, value in metadata.items()}


def cut_metadata(metadata: Any) -> Any:
    if not isinstance(metadata, dict):
        return metadata
    out = None
    for key, value in metadata.items():
        if isinstance(value, (int, float, bool)) or value is None:
            continue
        cut = cut_value(value)
        if cut is not value:
            if out is None:
                out = dict(metadata)
            out[key] = cut
    return metadata if out is None else out


class _CutCache:
    """Cut metadata per row object, valid for one store version (rows are reused page after page)."""

    def __init__(self) -> None:
        self.version: tuple[int, int] | None = None
        self.by_row: dict[int, tuple[Row, Any]] = {}

    def get(self, store: Store, row: Row) -> Any:
        version = (id(store), store.version)
        if version != self.version:
            self.version, self.by_row = version, {}
        hit = self.by_row.get(id(row))
        if hit is not None and hit[0] is row:
            return hit[1]
        cut = cut_metadata(row.get("metadata"))
        self.by_row[id(row)] = (row, cut)
        return cut


_CUTS = _CutCache()


# --- projection -------------------------------------------------------------------------------


def _projector(store: Store, groups: frozenset[str], expand: frozenset[str]):
    keys = tuple(key for group in GROUP_FIELDS if group in groups for key in GROUP_FIELDS[group])
    with_metadata = "metadata" in groups
    ttft = "time" in groups or "metrics" in groups
    model = "model" in groups
    everything = groups >= ALL_GROUPS

    def metadata_of(row: Row) -> Any:
        cut = _CUTS.get(store, row)
        if expand and cut is not row.get("metadata"):
            full = row["metadata"]
            cut = {key: (_expanded(full[key]) if key in expand else value) for key, value in cut.items()}
        return cut

    def project(row: Row) -> Row:
        if everything:
            metadata = metadata_of(row)
            if metadata is row.get("metadata"):
                return row  # the canonical row is the wire row: serialise it as is
            out = dict(row)
            out["metadata"] = metadata
            return out
        get = row.get
        out = {key: get(key) for key in keys}
        # Returned whatever groups are asked for; null unless their group is requested.
        out["latency"] = get("latency")
        if not ttft:
            out["timeToFirstToken"] = None
        if not model:
            out["modelId"] = out["inputPrice"] = out["outputPrice"] = out["totalPrice"] = None
        if with_metadata:
            out["metadata"] = metadata_of(row)
        return out

    return project


# --- filters ----------------------------------------------------------------------------------


def _filters(request: Request, overridden: set[str]) -> tuple[tuple[str, Any], ...]:
    """The simple filter parameters, less the columns the structured ``filter`` already covers."""
    chosen: list[tuple[str, Any]] = []
    for name in _SIMPLE_FILTERS:
        value = request.get(name)
        if value is not None and value != "":
            chosen.append((name, value))
    environments = csv_set(request, "environment")
    if environments:
        chosen.append(("environment", environments))
    if "parentObservationId" in request.query:
        # An empty value matches only observations without a physical parent.
        chosen.append(("parentObservationId", request.get("parentObservationId") or None))
    is_root = parse_bool_param(request, "isRootObservation")
    if is_root is not None:
        chosen.append(("isRootObservation", is_root))
    return tuple((name, wanted) for name, wanted in chosen if name not in overridden)


def _predicate(filters: tuple[tuple[str, Any], ...], structured: dict):
    def matches(row: Row) -> bool:
        if structured and not conditions_match(row, structured):
            return False
        for name, wanted in filters:
            value = row.get(name)
            if name == "environment":
                if value not in wanted:
                    return False
            elif name == "isRootObservation":
                if bool(value) != wanted:
                    return False
            elif value != wanted:
                return False
        return True

    return matches


# --- handler ----------------------------------------------------------------------------------


def _cursor_key(raw: str) -> tuple:
    payload = decode_json_cursor(raw, ("lastStartTimeTo", "lastId"))
    start = normalise_iso(payload["lastStartTimeTo"])
    trace_id = payload.get("lastTraceId")
    if start is None or not (trace_id is None or isinstance(trace_id, str)):
        raise bad_request("Invalid cursor format")
    return (start, trace_hash(trace_id), payload["lastId"])


@route("GET", "/api/public/v2/observations", profiles=V4)
def list_observations(request: Request) -> dict[str, Any]:
    if (request.get("parseIoAsJson") or "").lower() == "true":
        raise invalid_request(
            [
                zod_issue(
                    "parseIoAsJson",
                    "parseIoAsJson=true is no longer supported: io is returned as raw strings",
                )
            ]
        )
    limit = parse_int_param(request, "limit", 50, 1, MAX_LIMIT)
    structured, structured_key = parse_filter(request, FILTER_COLUMNS)
    lower = iso_bound(request, "fromStartTime")
    upper = iso_bound(request, "toStartTime")
    if "startTime" in structured:
        lower = upper = None  # the structured filter owns the startTime column
    raw_fields = request.get("fields")
    groups = DEFAULT_GROUPS
    if raw_fields is not None and raw_fields.strip():
        groups = frozenset(p.strip() for p in raw_fields.split(",") if p.strip() in GROUP_FIELDS) | {"core"}
    expand = frozenset(request.get_all("expandMetadata"))
    filters = _filters(request, {FILTER_COLUMNS[column] for column in structured})
    after = _cursor_key(request.get("cursor")) if request.get("cursor") else None

    store = request.store
    if filters or structured:
        key = ("observations", filters, structured_key)
        index = INDEXES.get(store, key, _observations, _sort_key, _predicate(filters, structured))
    else:
        index = INDEXES.get(store, "observations", _observations, _sort_key)
    lo, hi = index.window(lower, upper)
    rows, next_key = index.desc_page(lo, hi, after, limit)

    project = _projector(store, groups, expand)
    meta: dict[str, Any] = {}
    if next_key is not None:
        last = rows[-1]
        meta["cursor"] = encode_json_cursor(
            {"lastStartTimeTo": last["startTime"], "lastTraceId": last.get("traceId"), "lastId": last["id"]}
        )
    return {"data": [project(row) for row in rows], "meta": meta}
