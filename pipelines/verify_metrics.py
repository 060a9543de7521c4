"""Langfuse's side of `verify`: per-day aggregates asked of the server's metrics query (guide §4).

v4 servers answer ``/v2/metrics``, self-hosted v3 servers ``/metrics`` (v1); both take the same
``?query=<JSON>``. Only views and dimensions that need no join are used: a trace dimension in v1
joins the traces table with its own time window, which would drop observations whose trace lies
outside it, and the warehouse could not reproduce that.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson

from sources.langfuse.errors import ResponseError
from sources.langfuse.http import LangfuseClient
from sources.langfuse.windows import ONE_MS, format_ts

Key = tuple[str, str | None]  # (day as YYYY-MM-DD, model or score name)
Aggregates = dict[Key, dict[str, float]]

METRICS_PATH = {"v4": "/v2/metrics", "legacy": "/metrics"}

# Our measure name -> (the view's measure, aggregation). The response names each `<aggregation>_<measure>`.
OBSERVATION_MEASURES = {
    "count": ("count", "count"),
    "input_tokens": ("inputTokens", "sum"),
    "output_tokens": ("outputTokens", "sum"),
    "total_tokens": ("totalTokens", "sum"),
    "total_cost": ("totalCost", "sum"),
}
# The score types each view counts (its segment); TEXT and CORRECTION scores are in no view.
SCORE_VIEWS = {"scores-numeric": ("NUMERIC", "BOOLEAN"), "scores-categorical": ("CATEGORICAL",)}
COUNTABLE_SCORE_TYPES = tuple(t for types in SCORE_VIEWS.values() for t in types)

# v2 caps a result at 100 rows unless told otherwise; 1000 is the most it accepts. A result that
# fills the cap may be cut, so its window is split and asked again.
ROW_LIMIT = 1000


def metrics_bounds(since: datetime, until: datetime) -> tuple[str, str]:
    """The query's from/to for the warehouse window [since, until).

    The metrics query includes both bounds; the warehouse windows exclude their end. Timestamps
    have millisecond precision on both sides, so ``to = until - 1 ms`` selects exactly the rows of
    [since, until): nothing at ``until`` itself is counted twice across adjacent windows.
    """
    return format_ts(since), format_ts(until - ONE_MS)


def observation_aggregates(client: LangfuseClient, api: str, since: datetime, until: datetime) -> Aggregates:
    """Count, token sums and cost per (day, model) of every observation starting in [since, until)."""
    metrics = [{"measure": measure, "aggregation": agg} for measure, agg in OBSERVATION_MEASURES.values()]
    rows = _query_all(client, api, since, until, lambda start, end: _body(
        "observations", "providedModelName", metrics, start, end))
    out: Aggregates = {}
    for row in rows:
        values = {name: _number(row.get(f"{agg}_{measure}")) for name, (measure, agg) in OBSERVATION_MEASURES.items()}
        if values["count"]:  # skip gap-filled empty buckets, should a server add them anyway
            out[(_day(row), _label(row.get("providedModelName")))] = values
    return out


def score_counts(client: LangfuseClient, api: str, since: datetime, until: datetime) -> Aggregates:
    """Scores per (day, name) of the types the metrics views count (``COUNTABLE_SCORE_TYPES``).

    A name may occur in both views (say, a NUMERIC and a CATEGORICAL score called "quality"):
    their counts add up, as the warehouse counts all countable types of a name together.
    """
    metrics = [{"measure": "count", "aggregation": "count"}]
    out: Aggregates = {}
    for view in SCORE_VIEWS:
        rows = _query_all(client, api, since, until, lambda start, end, view=view: _body(
            view, "name", metrics, start, end))
        for row in rows:
            count = _number(row.get("count_count"))
            if count:
                key = (_day(row), _label(row.get("name")))
                out.setdefault(key, {"count": 0})["count"] += count
    return out


def _body(view: str, dimension: str, metrics: list[dict[str, str]], start: str, end: str) -> dict[str, Any]:
    return {
        "view": view,
        "dimensions": [{"field": dimension}],
        "metrics": metrics,
        "filters": [],
        "timeDimension": {"granularity": "day"},
        "fromTimestamp": start,
        "toTimestamp": end,
        # An orderBy turns off gap filling (empty days would otherwise take rows of the limit).
        "orderBy": [{"field": "time_dimension", "direction": "asc"}, {"field": dimension, "direction": "asc"}],
        "config": {"row_limit": ROW_LIMIT},
    }


def _query_all(client: LangfuseClient, api: str, since: datetime, until: datetime,
               body: Callable[[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    start, end = metrics_bounds(since, until)
    rows = client.get(METRICS_PATH[api], {"query": orjson.dumps(body(start, end)).decode()}).get("data") or []
    if len(rows) < ROW_LIMIT:
        return rows
    middle = _midnight_inside(since, until)
    if middle is None:
        raise ResponseError(f"the metrics query for {start} .. {end} has {ROW_LIMIT} or more groups in one day; "
                            "it cannot be verified by day")
    return _query_all(client, api, since, middle, body) + _query_all(client, api, middle, until, body)


def _midnight_inside(since: datetime, until: datetime) -> datetime | None:
    """The UTC midnight nearest the middle of (since, until), so split windows stay day-aligned."""
    first = since.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    if first >= until:
        return None
    days = (until - first).days
    return first + timedelta(days=days // 2)


def _day(row: dict[str, Any]) -> str:
    # A day bucket is a ClickHouse Date ("2026-11-02"); tolerate a DateTime rendering too.
    return str(row.get("time_dimension"))[:10]


def _label(value: Any) -> str | None:
    # ClickHouse has no NULL string here: an observation without a model comes back as "".
    return None if value in (None, "") else str(value)


def _number(value: Any) -> float:
    """64-bit integers arrive as strings (ClickHouse JSON), empty sums as null."""
    if value is None:
        return 0
    if isinstance(value, str):
        return int(value) if value.lstrip("-").isdigit() else float(value)
    return value
