"""GET /api/public/experiments and /api/public/experiment-items (the v4 dataset runs and run items).

Both are cursor-paged (max 100) and need ``fromStartTime``. An experiment's ``startTime``, ``endTime`` and
``itemCount`` are computed over its items inside the requested window, and experiments are ordered by that
latest activity, so they can differ from one window to the next, as on the real server.
"""

from __future__ import annotations

from typing import Any

from simulator.endpoints.base import V4, Request, bad_request, parse_int_param, route
from simulator.endpoints.filters import conditions_match, parse_filter
from simulator.endpoints.keyset import INDEXES, decode_json_cursor, encode_json_cursor
from simulator.endpoints.params import csv_set, field_groups, iso_bound, normalise_iso
from simulator.endpoints.scores import score_projection
from simulator.store import Row, Store

MAX_LIMIT = 100
MAX_SCORE_LIMIT = 50
ALL_SCORE_GROUPS = frozenset({"details", "subject", "annotation"})

EXPERIMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "core": ("id", "name", "description", "startTime", "endTime", "itemCount", "datasetId"),
    "metadata": ("metadata",),
    "scores": ("scores",),
}
ITEM_GROUPS: dict[str, tuple[str, ...]] = {
    "core": (
        "id",
        "traceId",
        "startTime",
        "endTime",
        "level",
        "environment",
        "experimentId",
        "experimentName",
        "experimentItemId",
    ),
    "dataset": ("experimentDatasetId", "experimentItemVersion"),
    "io": ("input", "output", "expectedOutput"),
    "metadata": ("metadata",),
    "itemMetadata": ("experimentItemMetadata",),
    "experimentMetadata": ("experimentMetadata", "experimentDescription"),
    "scores": ("scores",),
}
_ITEM_FILTERS = {
    "experimentId": "experimentId",
    "experimentName": "experimentName",
    "experimentItemId": "experimentItemId",
    "datasetId": "experimentDatasetId",
}
_EXPERIMENT_FILTERS = {"id": "id", "name": "name", "datasetId": "datasetId"}


def _item_sort_key(row: Row) -> tuple:
    return (row["startTime"], row["id"])


def _items(store: Store) -> list[Row]:
    return store.experiment_items


def _cursor(raw: str | None, time_key: str) -> tuple[str, str] | None:
    if not raw:
        return None
    payload = decode_json_cursor(raw, (time_key, "lastId"))
    moment = normalise_iso(payload[time_key])
    if payload.get("v") != 1 or moment is None:
        raise bad_request("Invalid cursor format")
    return (moment, payload["lastId"])


def _row_filters(
    request: Request, columns: dict[str, str]
) -> tuple[list[tuple[str, frozenset[str]]], dict, tuple]:
    """(simple filters, structured conditions, cache key); a ``filter`` column replaces its parameter."""
    structured, structured_key = parse_filter(request, columns)
    simple = [
        (column, values)
        for name, column in columns.items()
        if name not in structured and (values := csv_set(request, name))
    ]
    return simple, structured, (tuple(simple), structured_key)


def _matches(row: Row, filters: list[tuple[str, frozenset[str]]], structured: dict) -> bool:
    return all(row.get(column) in values for column, values in filters) and conditions_match(row, structured)


def _scores_cut(scores: Any, score_limit: int, project) -> Any:
    if not isinstance(scores, list):
        return scores
    return [project(score) for score in scores[:score_limit]]


@route("GET", "/api/public/experiment-items", profiles=V4, rate_bucket="datasets")
def list_experiment_items(request: Request) -> dict[str, Any]:
    limit = parse_int_param(request, "limit", 50, 1, MAX_LIMIT)
    score_limit = parse_int_param(request, "scoreLimit", 50, 1, MAX_SCORE_LIMIT)
    groups = field_groups(request, ITEM_GROUPS, ("core", "dataset"), strict=True) | {"core"}
    lower = iso_bound(request, "fromStartTime", required=True)
    upper = iso_bound(request, "toStartTime")
    after = _cursor(request.get("cursor"), "lastStartTime")
    filters, structured, filter_key = _row_filters(request, _ITEM_FILTERS)

    if filters or structured:
        key = ("experiment_items", filter_key)
        index = INDEXES.get(
            request.store, key, _items, _item_sort_key, lambda row: _matches(row, filters, structured)
        )
    else:
        index = INDEXES.get(request.store, "experiment_items", _items, _item_sort_key)
    lo, hi = index.window(lower, upper)
    rows, next_key = index.desc_page(lo, hi, after, limit)

    keys = tuple(key for group in ITEM_GROUPS if group in groups for key in ITEM_GROUPS[group])
    project_score = score_projection(ALL_SCORE_GROUPS)
    data = []
    for row in rows:
        out = {key: row.get(key) for key in keys}
        if "scores" in groups:
            out["scores"] = _scores_cut(row.get("scores"), score_limit, project_score)
        data.append(out)
    meta: dict[str, Any] = {}
    if next_key is not None:
        meta["cursor"] = encode_json_cursor(
            {"v": 1, "lastStartTime": rows[-1]["startTime"], "lastId": rows[-1]["id"]}
        )
    return {"data": data, "meta": meta}


def _activity_in_window(store: Store, lower: str, upper: str | None) -> dict[str, dict[str, Any]]:
    """startTime / endTime / itemCount per experiment over its items in [lower, upper)."""
    index = INDEXES.get(store, "experiment_items", _items, _item_sort_key)
    lo, hi = index.window(lower, upper)
    activity: dict[str, dict[str, Any]] = {}
    for item in index.rows[lo:hi]:
        end = item.get("endTime") or item["startTime"]
        seen = activity.get(item["experimentId"])
        if seen is None:
            activity[item["experimentId"]] = {"startTime": item["startTime"], "endTime": end, "itemCount": 1}
        else:
            seen["startTime"] = min(seen["startTime"], item["startTime"])
            seen["endTime"] = max(seen["endTime"], end)
            seen["itemCount"] += 1
    return activity


@route("GET", "/api/public/experiments", profiles=V4, rate_bucket="datasets")
def list_experiments(request: Request) -> dict[str, Any]:
    limit = parse_int_param(request, "limit", 50, 1, MAX_LIMIT)
    score_limit = parse_int_param(request, "scoreLimit", 50, 1, MAX_SCORE_LIMIT)
    groups = field_groups(request, EXPERIMENT_GROUPS, ("core",), strict=True) | {"core"}
    lower = iso_bound(request, "fromStartTime", required=True)
    upper = iso_bound(request, "toStartTime")
    after = _cursor(request.get("cursor"), "lastActivity")
    filters, structured, _ = _row_filters(request, _EXPERIMENT_FILTERS)

    store = request.store
    activity = _activity_in_window(store, lower, upper)
    with store.lock:
        experiments = list(store.experiments)
        with_items = {item["experimentId"] for item in store.experiment_items}
    chosen: list[tuple[tuple[str, str], Row, dict[str, Any]]] = []
    for experiment in experiments:
        if not _matches(experiment, filters, structured):
            continue
        window = activity.get(experiment["id"])
        if window is None:
            # An experiment without any item yet is placed by its own start time.
            start = experiment.get("startTime")
            if experiment["id"] in with_items or not start or start < lower or (upper and start >= upper):
                continue
            window = {"startTime": start, "endTime": experiment.get("endTime") or start, "itemCount": 0}
        chosen.append(((window["endTime"], experiment["id"]), experiment, window))
    chosen.sort(key=lambda entry: entry[0], reverse=True)
    if after is not None:
        chosen = [entry for entry in chosen if entry[0] < after]

    page = chosen[:limit]
    project_score = score_projection(ALL_SCORE_GROUPS)
    data = []
    for _, experiment, window in page:
        out = {key: experiment.get(key) for key in EXPERIMENT_GROUPS["core"]}
        out.update(window)
        if "metadata" in groups:
            out["metadata"] = experiment.get("metadata")
        if "scores" in groups:
            out["scores"] = _scores_cut(experiment.get("scores"), score_limit, project_score)
        data.append(out)
    meta: dict[str, Any] = {}
    if len(chosen) > limit:
        last_key = page[-1][0]
        meta["cursor"] = encode_json_cursor({"v": 1, "lastActivity": last_key[0], "lastId": last_key[1]})
    return {"data": data, "meta": meta}
