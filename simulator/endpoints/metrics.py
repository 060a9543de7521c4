"""GET /api/public/v2/metrics (v4 profile) and /api/public/metrics (legacy profile, v1).

``?query=<JSON>`` as in guide §4. This module parses and validates the query the way the server does
(zod first: 400 "Invalid request data"; then the query builder: 400 InvalidRequestError) and hands a
``MetricsQuery`` to ``metrics_engine``. Differences between the versions:

* v1 also has the ``traces`` view and no default row limit;
* v2 rejects ``traces``, refuses high-cardinality dimensions unless the query is a top-N
  (``validateQuery.ts``: no timeDimension, ``config.row_limit`` set, and a ``desc`` order on a measure),
  and then applies a default ``row_limit`` of 100.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from simulator.endpoints.base import (
    LEGACY,
    V4,
    Request,
    bad_request,
    invalid_request,
    iso_ms,
    route,
    zod_issue,
)
from simulator.endpoints.metrics_engine import MetricsQuery, run_query
from simulator.endpoints.metrics_model import VIEWS, View

ZOD_VIEWS = ("traces", "observations", "scores-numeric", "scores-categorical")
AGGREGATIONS = ("sum", "avg", "count", "max", "min", "p50", "p75", "p90", "p95", "p99", "histogram", "uniq")
GRANULARITIES = ("auto", "minute", "hour", "day", "week", "month")
FILTER_OPERATORS = {
    "datetime": (">", "<", ">=", "<="),
    "string": ("=", "!=", "contains", "does not contain", "starts with", "ends with"),
    "stringObject": ("=", "!=", "contains", "does not contain", "starts with", "ends with"),
    "number": ("=", "!=", ">", "<", ">=", "<="),
    "numberObject": ("=", "!=", ">", "<", ">=", "<="),
    "stringOptions": ("any of", "none of"),
    "categoryOptions": ("any of", "none of"),
    "arrayOptions": ("any of", "none of", "all of"),
    "boolean": ("=", "<>"),
    "null": ("is null", "is not null"),
}
V2_DEFAULT_ROW_LIMIT = 100


def _zod(path: str, message: str, code: str = "custom"):
    return invalid_request([zod_issue(path, message, code)])


def _parse_time(raw: Any, name: str) -> datetime:
    if not isinstance(raw, str):
        raise _zod(name, "Required" if raw is None else "Expected string", "invalid_type")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise _zod(name, "Invalid datetime", "invalid_string") from None
    if moment.tzinfo is None:
        raise _zod(name, "Invalid datetime", "invalid_string")
    return moment


def _load(request: Request) -> dict[str, Any]:
    raw = request.get("query")
    if raw is None:
        raise _zod("query", "Required", "invalid_type")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _zod("query", "Invalid JSON in query parameter") from None
    if not isinstance(body, dict):
        raise _zod("query", "Expected object", "invalid_type")
    return body


def _list_of_objects(body: dict[str, Any], name: str, required: bool = False) -> list[dict[str, Any]]:
    value = body.get(name)
    if value is None:
        if required:
            raise _zod(name, "Required", "invalid_type")
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _zod(name, "Expected array of objects", "invalid_type")
    return value


def _config(body: dict[str, Any]) -> dict[str, Any]:
    config = body.get("config") or {}
    if not isinstance(config, dict):
        raise _zod("config", "Expected object", "invalid_type")
    for name, low, high in (("row_limit", 1, 1000), ("bins", 1, 100)):
        value = config.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
            raise _zod(f"config.{name}", f"Number must be an integer between {low} and {high}", "too_big")
    return config


def _resolve_filter(view: View, spec: dict[str, Any]) -> dict[str, Any]:
    kind, operator, column = spec.get("type"), spec.get("operator"), spec.get("column")
    if kind not in FILTER_OPERATORS or not isinstance(column, str):
        raise _zod("filters", "Invalid filter: needs column, operator and a known type")
    if operator not in FILTER_OPERATORS[kind]:
        raise _zod("filters", f"Invalid operator '{operator}' for filter type '{kind}'")
    if kind != "null" and "value" not in spec:
        raise _zod("filters", "Filter value is required")
    resolved = dict(spec)
    if column in view.dimensions or (column.endswith("Name") and "name" in view.dimensions):
        # the query builder falls back from scoreName/traceName to `name` (LFE-4838)
        dimension = view.dimensions.get(column) or view.dimensions["name"]
        if column == "tags" and kind == "string":
            raise bad_request("Invalid filter for field 'tags': Array fields require type 'arrayOptions', not 'string'.")
        resolved["dimension"] = dimension
    elif column == view.time_filter_column:
        if kind != "datetime" or not isinstance(spec["value"], str):
            raise bad_request(f"Invalid filter for '{column}': expected a datetime filter")
        resolved["value"] = iso_ms(_parse_time(spec["value"], "filters"))
    elif column == "metadata":
        if kind not in ("stringObject", "numberObject") or "key" not in spec:
            raise bad_request("Invalid filter for field 'metadata': Metadata filters require type 'stringObject' "
                              "with a 'key' property")
    else:
        raise bad_request(
            f"Invalid filter column {column}. Must be one of {','.join(view.dimensions)} or {view.time_filter_column}"
        )
    if kind in ("stringOptions", "categoryOptions", "arrayOptions") and not isinstance(spec["value"], list):
        raise bad_request(f"Invalid filter for field '{column}': {kind} type requires an array of values")
    return resolved


def _auto_granularity(start: datetime, end: datetime) -> str:
    """About 50 buckets: under 2 h minute, under 72 h hour, under 60 d day, under 1 y week, else month."""
    hours = (end - start).total_seconds() / 3600
    for limit, granularity in ((2, "minute"), (72, "hour"), (1440, "day"), (8760, "week")):
        if hours < limit:
            return granularity
    return "month"


def _order_by(body: dict[str, Any], dimensions, metrics, has_time: bool) -> tuple[tuple[str, str], ...] | None:
    items = body.get("orderBy")
    if items is None:
        return None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _zod("orderBy", "Expected array of objects", "invalid_type")
    allowed = set(dimensions) | {f"{aggregation}_{measure}" for measure, aggregation in metrics}
    if has_time:
        allowed.add("time_dimension")
    out = []
    for item in items:
        if item.get("direction") not in ("asc", "desc"):
            raise _zod("orderBy", "Invalid enum value. Expected 'asc' | 'desc'", "invalid_enum_value")
        if item.get("field") not in allowed:
            raise bad_request(f"Invalid orderBy field: {item.get('field')}. Must be one of the dimension or metric fields.")
        out.append((item["field"], item["direction"]))
    return tuple(out) or None


def _check_high_cardinality(view: View, body, dimensions, metrics, config, order_by) -> None:
    """validateQuery.ts, v2 only."""
    heavy = [name for name in dimensions if view.dimensions[name].high_cardinality]
    if not heavy:
        return
    names = ", ".join(heavy)
    if body.get("timeDimension"):
        raise bad_request(f"High cardinality dimension(s) '{names}' cannot be used with timeDimension. Time series "
                          "queries with high cardinality dimensions produce unbounded result sets.")
    desc_fields = [field for field, direction in order_by or () if direction == "desc"]
    if config.get("row_limit") is None or not desc_fields:
        raise bad_request(f"High cardinality dimension(s) '{names}' require both 'config.row_limit' and 'orderBy' "
                          "with direction 'desc' on a measure field.")
    measures = [measure for measure, _ in metrics]
    if any(not any(field == m or field.endswith(f"_{m}") for m in measures) for field in desc_fields):
        raise bad_request(f"High cardinality dimension(s) '{names}' require 'orderBy' with direction 'desc' on a "
                          "measure field.")


def parse_query(request: Request, version: str) -> tuple[View, MetricsQuery]:
    """The validated query, or the ApiError the real endpoint would answer with."""
    body = _load(request)
    view_name = body.get("view")
    if view_name not in ZOD_VIEWS:
        raise _zod("view", f"Invalid enum value. Expected {' | '.join(repr(v) for v in ZOD_VIEWS)}",
                   "invalid_enum_value")
    raw_dimensions = _list_of_objects(body, "dimensions")
    raw_metrics = _list_of_objects(body, "metrics", required=True)
    if not raw_metrics:
        raise _zod("metrics", "Array must contain at least 1 element(s)", "too_small")
    for metric in raw_metrics:
        if metric.get("aggregation") not in AGGREGATIONS or not isinstance(metric.get("measure"), str):
            raise _zod("metrics", "Each metric needs a measure and a valid aggregation", "invalid_enum_value")
    time_dimension = body.get("timeDimension")
    if time_dimension is not None and (not isinstance(time_dimension, dict)
                                       or time_dimension.get("granularity") not in GRANULARITIES):
        raise _zod("timeDimension.granularity", "Invalid enum value", "invalid_enum_value")
    start = _parse_time(body.get("fromTimestamp"), "fromTimestamp")
    end = _parse_time(body.get("toTimestamp"), "toTimestamp")
    if start >= end:
        raise _zod("fromTimestamp", "fromTimestamp must be before toTimestamp")
    config = _config(body)
    raw_filters = _list_of_objects(body, "filters")

    views = VIEWS[version]
    if view_name not in views:
        raise bad_request(f"View '{view_name}' is not supported in version '{version}'. "
                          f"Supported views for {version}: {', '.join(views)}")
    view = views[view_name]
    dimensions = tuple(str(item.get("field")) for item in raw_dimensions)
    for name in dimensions:
        if name not in view.dimensions:
            raise bad_request(f"Invalid dimension {name}. Must be one of {','.join(view.dimensions)}")
    metrics = tuple((metric["measure"], metric["aggregation"]) for metric in raw_metrics)
    for measure, aggregation in metrics:
        if measure not in view.measures:
            raise bad_request(f"Invalid metric {measure}. Must be one of {','.join(view.measures)}")
        if aggregation == "histogram":
            # ClickHouse's adaptive histogram cannot be reproduced exactly; refuse rather than guess.
            raise bad_request("The simulator does not implement the histogram aggregation")
    order_by = _order_by(body, dimensions, metrics, time_dimension is not None)
    if version == "v2":
        _check_high_cardinality(view, body, dimensions, metrics, config, order_by)
    row_limit = config.get("row_limit")
    if row_limit is None and version == "v2":
        row_limit = V2_DEFAULT_ROW_LIMIT
    granularity = None
    if time_dimension is not None:
        granularity = time_dimension["granularity"]
        if granularity == "auto":
            granularity = _auto_granularity(start, end)
    query = MetricsQuery(
        view=view_name,
        dimensions=dimensions,
        metrics=metrics,
        filters=tuple(_resolve_filter(view, spec) for spec in raw_filters),
        granularity=granularity,
        from_ts=iso_ms(start),
        to_ts=iso_ms(end),
        order_by=order_by,
        row_limit=row_limit,
    )
    return view, query


@route("GET", "/api/public/v2/metrics", profiles=V4, rate_bucket="public-api-v2-metrics")
def metrics_v2(request: Request) -> dict[str, Any]:
    view, query = parse_query(request, "v2")
    return {"data": run_query(request.store, view, query)}


@route("GET", "/api/public/metrics", profiles=LEGACY, rate_bucket="public-api-metrics")
def metrics_v1(request: Request) -> dict[str, Any]:
    view, query = parse_query(request, "v1")
    return {"data": run_query(request.store, view, query)}
