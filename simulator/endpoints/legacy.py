"""The legacy (self-hosted v3) read surface: traces, observations v1 and sessions.

Served only by the ``legacy`` profile (v4 deployments answer 404 for these, guide Part 2). Shapes come
from ``legacy_shapes``; scores v2 and dataset runs live in ``legacy_scores`` and ``legacy_datasets``,
imported here so that loading this module registers the whole legacy surface.

Order and windows follow the guide's endpoint matrix: DESC on the time column, ``from`` inclusive,
``to`` exclusive, offset pages of 50 (max 100).
"""

from __future__ import annotations

from typing import Any

# Imported for their routes: loading this module registers the whole legacy surface.
from simulator.endpoints import legacy_datasets  # noqa: F401
from simulator.endpoints.base import LEGACY, Request, invalid_request, not_found, route, zod_issue
from simulator.endpoints.legacy_paging import nulls_last, offset_page_of, sorted_rows
from simulator.endpoints.legacy_scores import trace_scores_v1
from simulator.endpoints.legacy_shapes import (
    TRACE_GROUPS,
    derived,
    observation_v1,
    trace_core,
    trace_with_details,
)
from simulator.endpoints.params import iso_bound
from simulator.store import Row, Store

# --- traces ---------------------------------------------------------------------------------------

TRACE_ORDER_FIELDS = ("id", "timestamp", "name", "userId", "release", "version", "public", "bookmarked", "sessionId")
_TRACE_EXACT_FILTERS = ("userId", "name", "sessionId", "version", "release")


def _traces(store: Store) -> list[Row]:
    return store.traces


def _trace_groups(request: Request) -> frozenset[str]:
    """All groups when `fields` is absent; otherwise core plus the known names (unknown ones dropped)."""
    raw = request.get("fields")
    if raw is None or raw.strip() == "":
        return frozenset(TRACE_GROUPS)
    return frozenset({"core"} | {part.strip() for part in raw.split(",")} & set(TRACE_GROUPS))


def _trace_order(request: Request) -> tuple[str, bool]:
    raw = request.get("orderBy")
    if raw is None or raw == "":
        return "timestamp", True
    field, _, direction = raw.partition(".")
    if field not in TRACE_ORDER_FIELDS or direction not in ("asc", "desc"):
        raise invalid_request(
            [zod_issue("orderBy", f"Invalid orderBy: expected [field].[asc|desc] with field in {TRACE_ORDER_FIELDS}")]
        )
    return field, direction == "desc"


def _trace_filters(request: Request) -> tuple:
    exact = tuple((name, request.get(name)) for name in _TRACE_EXACT_FILTERS if request.get(name))
    tags = tuple(sorted(set(request.get_all("tags"))))
    environments = frozenset(request.get_all("environment"))
    return exact, tags, environments


def _trace_predicate(filters: tuple, lower: str | None = None, upper: str | None = None):
    exact, tags, environments = filters

    def matches(row: Row) -> bool:
        if any(row.get(name) != value for name, value in exact):
            return False
        if tags and not set(tags) <= set(row.get("tags") or ()):
            return False
        if environments and row.get("environment") not in environments:
            return False
        ts = row["timestamp"]
        return (lower is None or ts >= lower) and (upper is None or ts < upper)

    return matches


@route("GET", "/api/public/traces", profiles=LEGACY, rate_bucket="public-api-legacy")
def list_traces(request: Request) -> dict[str, Any]:
    lower = iso_bound(request, "fromTimestamp")
    upper = iso_bound(request, "toTimestamp")
    order_field, descending = _trace_order(request)
    groups = _trace_groups(request)
    filters = _trace_filters(request)
    view = derived(request.store)

    def convert(row: Row) -> Row:
        return trace_with_details(row, view, groups)

    if order_field == "timestamp":
        # Time order: the window is a bisect on the first key, so it stays out of the cache key.
        index = sorted_rows(
            request.store, ("legacy-traces", filters), _traces,
            lambda row: (row["timestamp"], row["id"]), _trace_predicate(filters),
        )
        return offset_page_of(request, index, lower, upper, descending, convert)
    index = sorted_rows(
        request.store, ("legacy-traces", filters, order_field, descending, lower, upper), _traces,
        lambda row: (nulls_last(row.get(order_field), descending), row["timestamp"], row["id"]),
        _trace_predicate(filters, lower, upper),
    )
    return offset_page_of(request, index, None, None, descending, convert)


@route("GET", "/api/public/traces/{traceId}", profiles=LEGACY)
def get_trace(request: Request) -> Row:
    view = derived(request.store)
    row = view.traces_by_id.get(request.path_params["traceId"])
    if row is None:
        raise not_found("Trace not found within authorized project")
    groups = _trace_groups(request)
    out = trace_with_details(row, view, groups)
    observations = sorted(view.observations_by_trace.get(row["id"], []), key=lambda obs: obs["startTime"])
    out["observations"] = [observation_v1(obs) for obs in observations] if "observations" in groups else []
    if "scores" in groups:
        out["scores"] = trace_scores_v1(request.store, row["id"], view)
    return out


# --- observations v1 ------------------------------------------------------------------------------

_OBSERVATION_FILTERS = ("type", "name", "userId", "traceId", "level", "parentObservationId", "version")


def _observations(store: Store) -> list[Row]:
    return store.observations


def _observation_predicate(exact: tuple, environments: frozenset[str]):
    def matches(row: Row) -> bool:
        if any(row.get(name) != value for name, value in exact):
            return False
        return not environments or row.get("environment") in environments

    return matches


@route("GET", "/api/public/observations", profiles=LEGACY, rate_bucket="public-api-legacy")
def list_observations(request: Request) -> dict[str, Any]:
    lower = iso_bound(request, "fromStartTime")
    upper = iso_bound(request, "toStartTime")
    exact = tuple((name, request.get(name)) for name in _OBSERVATION_FILTERS if request.get(name))
    environments = frozenset(request.get_all("environment"))
    index = sorted_rows(
        request.store, ("legacy-observations", exact, environments), _observations,
        lambda row: (row["startTime"], row.get("traceId") or "", row["id"]),
        _observation_predicate(exact, environments),
    )
    return offset_page_of(request, index, lower, upper, True, observation_v1)


@route("GET", "/api/public/observations/{observationId}", profiles=LEGACY, rate_bucket="public-api-legacy")
def get_observation(request: Request) -> Row:
    wanted = request.path_params["observationId"]
    with request.store.lock:
        found = next((row for row in request.store.observations if row["id"] == wanted), None)
    if found is None:
        raise not_found("Observation not found within authorized project")
    return observation_v1(found)


# --- sessions -------------------------------------------------------------------------------------


def _sessions(store: Store) -> list[Row]:
    return store.sessions


@route("GET", "/api/public/sessions", profiles=LEGACY, rate_bucket="public-api-legacy")
def list_sessions(request: Request) -> dict[str, Any]:
    lower = iso_bound(request, "fromTimestamp")
    upper = iso_bound(request, "toTimestamp")
    environments = frozenset(request.get_all("environment"))
    index = sorted_rows(
        request.store, ("legacy-sessions", environments), _sessions,
        lambda row: (row["createdAt"], row["id"]),
        (lambda row: row.get("environment") in environments) if environments else None,
    )
    return offset_page_of(request, index, lower, upper, True)


@route("GET", "/api/public/sessions/{sessionId}", profiles=LEGACY, rate_bucket="public-api-legacy")
def get_session(request: Request) -> Row:
    wanted = request.path_params["sessionId"]
    with request.store.lock:
        session = next((row for row in request.store.sessions if row["id"] == wanted), None)
        traces = [row for row in request.store.traces if row.get("sessionId") == wanted]
    if session is None:
        raise not_found("Session not found")
    traces.sort(key=lambda row: row["timestamp"])
    return {**session, "traces": [trace_core(row) for row in traces]}

