"""GET /api/public/v2/scores (offset pages, ``timestamp DESC``) and /v2/scores/{scoreId}, legacy profile.

The v2 shapes are derived from the canonical ScoreV3 rows (``legacy_shapes.score_v2``). Filters follow
the spec's parameter list; the time window is on ``timestamp`` (guide §2: not createdAt).
"""

from __future__ import annotations

import operator
from typing import Any

from simulator.endpoints.base import (
    LEGACY,
    Request,
    bad_request,
    invalid_request,
    not_found,
    route,
    zod_issue,
)
from simulator.endpoints.legacy_paging import offset_page_of, sorted_rows
from simulator.endpoints.legacy_shapes import (
    Derived,
    derived,
    score_links,
    score_trace_tags,
    score_trace_user,
    score_v2,
)
from simulator.endpoints.params import iso_bound
from simulator.store import Row, Store

SCORE_GROUPS = ("score", "trace")
_LINK_FILTERS = ("traceId", "observationId", "sessionId", "datasetRunId")
_ROW_FILTERS = ("name", "configId", "queueId")
_UPPER_FILTERS = ("source", "dataType")
_OPERATORS = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge, "=": operator.eq,
              "!=": operator.ne}


def _scores(store: Store) -> list[Row]:
    return store.scores


def _sort_key(row: Row) -> tuple:
    return (row["timestamp"], row["id"])


def _groups(request: Request) -> frozenset[str]:
    raw = request.get("fields")
    if raw is None or raw.strip() == "":
        return frozenset(SCORE_GROUPS)
    return frozenset({part.strip() for part in raw.split(",")} & set(SCORE_GROUPS))


def _value_filter(request: Request) -> tuple[str, float] | None:
    raw_value, raw_operator = request.get("value"), request.get("operator")
    if raw_value is None or raw_value == "":
        return None
    if raw_operator not in _OPERATORS:
        raise invalid_request([zod_issue("operator", "Invalid enum value", code="invalid_enum_value")])
    try:
        return raw_operator, float(raw_value)
    except ValueError:
        raise invalid_request([zod_issue("value", "Expected number, received nan", "invalid_type")]) from None


def _filters(request: Request, groups: frozenset[str]) -> tuple:
    exact = tuple((name, request.get(name)) for name in _ROW_FILTERS + _LINK_FILTERS if request.get(name))
    upper = tuple((name, request.get(name).upper()) for name in _UPPER_FILTERS if request.get(name))
    environments = frozenset(request.get_all("environment"))
    score_ids = frozenset(request.get_all("scoreIds"))
    user_id = request.get("userId") or None
    trace_tags = frozenset(request.get_all("traceTags"))
    if (user_id or trace_tags) and "trace" not in groups:
        raise bad_request("userId and traceTags filters require the 'trace' field group")
    return exact + upper, environments, score_ids, user_id, trace_tags, _value_filter(request)


def _predicate(filters: tuple, view: Derived):
    exact, environments, score_ids, user_id, trace_tags, value_filter = filters

    def matches(row: Row) -> bool:
        links = score_links(row)
        for name, wanted in exact:
            if (links[name] if name in links else row.get(name)) != wanted:
                return False
        if environments and row.get("environment") not in environments:
            return False
        if score_ids and row["id"] not in score_ids:
            return False
        if user_id and score_trace_user(row, view) != user_id:
            return False
        if trace_tags and not trace_tags <= set(score_trace_tags(row, view)):
            return False
        if value_filter is not None:
            value = score_v2(row, view, with_trace=False).get("value")
            if value is None or not _OPERATORS[value_filter[0]](value, value_filter[1]):
                return False
        return True

    return matches


@route("GET", "/api/public/v2/scores", profiles=LEGACY)
def list_scores(request: Request) -> dict[str, Any]:
    lower = iso_bound(request, "fromTimestamp")
    upper = iso_bound(request, "toTimestamp")
    groups = _groups(request)
    filters = _filters(request, groups)
    view = derived(request.store)
    predicate = _predicate(filters, view) if any(filters) else None
    index = sorted_rows(request.store, ("legacy-scores-v2", filters), _scores, _sort_key, predicate)
    with_trace = "trace" in groups
    return offset_page_of(request, index, lower, upper, True, lambda row: score_v2(row, view, with_trace))


@route("GET", "/api/public/v2/scores/{scoreId}", profiles=LEGACY)
def get_score(request: Request) -> Row:
    wanted = request.path_params["scoreId"]
    with request.store.lock:
        found = next((row for row in request.store.scores if row["id"] == wanted), None)
    if found is None:
        raise not_found("Score not found")
    return score_v2(found, derived(request.store), with_trace=False)


def trace_scores_v1(store: Store, trace_id: str, view: Derived) -> list[Row]:
    """The ScoreV1 list of GET /traces/{id}: the trace's scores without sessionId/datasetRunId links."""
    with store.lock:
        rows = [row for row in store.scores if score_links(row)["traceId"] == trace_id]
    out = []
    for row in sorted(rows, key=_sort_key):
        score = score_v2(row, view, with_trace=False)
        for key in ("sessionId", "datasetRunId"):
            score.pop(key)
        out.append(score)
    return out
