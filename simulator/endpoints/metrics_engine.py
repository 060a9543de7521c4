"""Evaluates a validated metrics query over the store, as ClickHouse would answer the real one.

Rows are computed exactly from the store (the warehouse's ``verify`` reconciles against them):
time window [from, to] inclusive on the view's time column and on every joined table; filters; one
value per entity and measure; aggregation per group; WITH FILL gaps; order; LIMIT. Numbers come out
typed as ClickHouse's JSON writes them: 64-bit integers (counts, uniq, sums/min/max of integer
measures) as strings, floats and decimals as numbers, NaN/inf/empty aggregates as null.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson

from simulator.endpoints.metrics_model import FLOAT, INT, Dimension, Lookups, View, lookups
from simulator.store import Row, Store

QUANTILES = {"p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99}


@dataclass(frozen=True)
class MetricsQuery:
    view: str
    dimensions: tuple[str, ...]
    metrics: tuple[tuple[str, str], ...]  # (measure, aggregation)
    filters: tuple[dict[str, Any], ...]
    granularity: str | None  # resolved: minute|hour|day|week|month, never auto
    from_ts: str  # ISO with ms and Z, as the store writes times
    to_ts: str
    order_by: tuple[tuple[str, str], ...] | None
    row_limit: int | None


@dataclass
class _Group:
    key: tuple
    values: list[list[Any]] = field(default_factory=list)


# --- time buckets -------------------------------------------------------------------------------


def bucket(timestamp: str, granularity: str) -> str:
    """toStartOfMinute/Hour (DateTime: ISO with Z), toDate/toMonday/toStartOfMonth (Date)."""
    if granularity == "minute":
        return timestamp[:16] + ":00Z"
    if granularity == "hour":
        return timestamp[:13] + ":00:00Z"
    if granularity == "day":
        return timestamp[:10]
    if granularity == "week":
        day = date.fromisoformat(timestamp[:10])
        return (day - timedelta(days=day.weekday())).isoformat()
    return timestamp[:7] + "-01"


def _next_bucket(value: str, granularity: str) -> str:
    if granularity in ("minute", "hour"):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        step = timedelta(minutes=1) if granularity == "minute" else timedelta(hours=1)
        return (moment + step).strftime("%Y-%m-%dT%H:%M:%SZ")
    day = date.fromisoformat(value)
    if granularity == "day":
        return (day + timedelta(days=1)).isoformat()
    if granularity == "week":
        return (day + timedelta(days=7)).isoformat()
    return date(day.year + day.month // 12, day.month % 12 + 1, 1).isoformat()


def fill_buckets(from_ts: str, to_ts: str, granularity: str) -> list[str]:
    """``WITH FILL FROM bucket(from) TO bucket(to) STEP 1 unit``: TO is exclusive in ClickHouse."""
    out, current, end = [], bucket(from_ts, granularity), bucket(to_ts, granularity)
    while current < end:
        out.append(current)
        current = _next_bucket(current, granularity)
    return out


# --- filters --------------------------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if value is None:
        return ""  # Langfuse treats '' and NULL alike on string filters (nullIfEmptyFilter)
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _string_match(operator: str, actual: Any, wanted: Any) -> bool:
    text, wanted = _as_text(actual), str(wanted)
    return {
        "=": lambda: text == wanted,
        "!=": lambda: text != wanted,
        "contains": lambda: wanted in text,
        "does not contain": lambda: wanted not in text,
        "starts with": lambda: text.startswith(wanted),
        "ends with": lambda: text.endswith(wanted),
    }[operator]()


def _compare(operator: str, actual: Any, wanted: Any) -> bool:
    if actual is None:
        return False
    return {
        "=": actual == wanted, "!=": actual != wanted, "<>": actual != wanted,
        ">": actual > wanted, "<": actual < wanted, ">=": actual >= wanted, "<=": actual <= wanted,
    }[operator]


def value_matches(spec: dict[str, Any], actual: Any) -> bool:
    """Whether one value passes one (validated) filter."""
    kind, operator, wanted = spec["type"], spec["operator"], spec.get("value")
    if kind in ("string", "stringObject"):
        return _string_match(operator, actual, wanted)
    if kind in ("stringOptions", "categoryOptions"):
        present = _as_text(actual) in {str(v) for v in wanted}
        return present if operator == "any of" else not present
    if kind == "arrayOptions":
        have, want = set(actual or ()), set(wanted)
        if operator == "any of":
            return bool(have & want)
        if operator == "all of":
            return want <= have
        return not have & want
    if kind in ("number", "numberObject"):
        try:
            return _compare(operator, None if actual is None else float(actual), float(wanted))
        except (TypeError, ValueError):
            return False
    if kind == "boolean":
        return _compare("=" if operator == "=" else "!=", actual, wanted)
    if kind == "null":
        empty = actual is None or actual == ""
        return empty if operator == "is null" else not empty
    return _compare(operator, actual, wanted)  # datetime: ISO strings in one format compare as times


# --- evaluation -----------------------------------------------------------------------------------


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _relations_needed(view: View, query: MetricsQuery) -> list[str]:
    needed = {view.dimensions[name].relation for name in query.dimensions}
    needed |= {view.measures[measure].relation for measure, _ in query.metrics}
    needed |= {spec["dimension"].relation for spec in query.filters if spec.get("dimension") is not None}
    return sorted(name for name in needed if name)


def _joined(view: View, look: Lookups, row: Row, relations: list[str], query: MetricsQuery) -> dict | None:
    """The related rows within the window and the filters on them; None drops the entity (INNER JOIN)."""
    joined: dict[str, list[Row]] = {}
    for name in relations:
        relation = view.relations[name]
        partners = [
            partner for partner in relation.find(look, row)
            if query.from_ts <= (partner.get(relation.time_column) or "") <= query.to_ts
        ]
        for spec in query.filters:
            dimension: Dimension | None = spec.get("dimension")
            if dimension is not None and dimension.relation == name:
                partners = [p for p in partners if value_matches(spec, dimension.get(row, {name: [p]}))]
        if not partners:
            return None
        joined[name] = partners
    return joined


def _row_passes(view: View, row: Row, query: MetricsQuery) -> bool:
    for spec in query.filters:
        dimension: Dimension | None = spec.get("dimension")
        if dimension is not None:
            if dimension.relation is None and not value_matches(spec, dimension.get(row, {})):
                return False
        elif spec["column"] == "metadata":
            actual = (row.get("metadata") or {}).get(spec.get("key"))
            if actual is None or not value_matches(spec, actual):
                return False
        elif not value_matches(spec, row[view.time_column]):
            return False
    return True


def _aggregate(aggregation: str, kind: str, nullable: bool, values: list[Any]) -> Any:
    present = [value for value in values if value is not None]
    if aggregation == "count":
        return len(present)
    if aggregation == "uniq":
        return len(set(present))
    if not present:
        # ClickHouse: sum over no rows of a non-Nullable column is 0; everything else is NULL/NaN
        return 0 if aggregation == "sum" and not nullable else None
    if aggregation == "sum":
        if kind == FLOAT:
            return math.fsum(present)
        return sum(present)
    if aggregation == "min":
        return min(present)
    if aggregation == "max":
        return max(present)
    numbers = sorted(float(value) for value in present)
    if aggregation == "avg":
        return math.fsum(numbers) / len(numbers)
    position = QUANTILES[aggregation] * (len(numbers) - 1)
    low = math.floor(position)
    high = min(low + 1, len(numbers) - 1)
    return numbers[low] + (numbers[high] - numbers[low]) * (position - low)


def _result_kind(aggregation: str, kind: str) -> str:
    if aggregation in ("count", "uniq"):
        return INT
    if aggregation in ("sum", "min", "max"):
        return kind
    return FLOAT


def _to_json(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == INT:
        return str(int(value))  # ClickHouse JSON quotes 64-bit integers
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def run_query(store: Store, view: View, query: MetricsQuery) -> list[dict[str, Any]]:
    look = lookups(store)
    relations = _relations_needed(view, query)
    dimensions = [(name, view.dimensions[name]) for name in query.dimensions]
    measures = [(measure, aggregation, view.measures[measure]) for measure, aggregation in query.metrics]
    with store.lock:
        rows = list(view.rows(store))

    groups: dict[tuple, _Group] = {}
    for row in rows:
        moment = row.get(view.time_column)
        if moment is None or not query.from_ts <= moment <= query.to_ts:
            continue
        if view.segment is not None and not view.segment(row):
            continue
        if not _row_passes(view, row, query):
            continue
        joined = _joined(view, look, row, relations, query) if relations else {}
        if joined is None:
            continue
        multiplicity = math.prod(len(partners) for partners in joined.values())
        key = tuple(_hashable(dimension.get(row, joined)) for _, dimension in dimensions)
        if query.granularity:
            key += (bucket(moment, query.granularity),)
        group = groups.setdefault(key, _Group(key))
        group.values.append([measure.value(row, joined, multiplicity) for _, _, measure in measures])

    metric_names = [f"{aggregation}_{measure}" for measure, aggregation, _ in measures]
    raw_rows: list[dict[str, Any]] = []
    for group in groups.values():
        out: dict[str, Any] = {}
        for position, (name, _) in enumerate(dimensions):
            value = group.key[position]
            out[name] = list(value) if isinstance(value, tuple) else value
        if query.granularity:
            out["time_dimension"] = group.key[-1]
        columns = list(zip(*group.values, strict=True))
        for position, (_, aggregation, measure) in enumerate(measures):
            out[metric_names[position]] = _aggregate(aggregation, measure.kind, measure.nullable, list(columns[position]))
        raw_rows.append(out)

    if query.granularity and not query.order_by:
        raw_rows.extend(_fill_rows(raw_rows, query, dimensions, measures, metric_names))
    _order(raw_rows, query, dimensions, measures, metric_names)
    if query.row_limit:
        raw_rows = raw_rows[: query.row_limit]

    kinds = {name: _result_kind(aggregation, measure.kind) for name, (_, aggregation, measure)
             in zip(metric_names, measures, strict=True)}
    for row in raw_rows:
        for name, kind in kinds.items():
            row[name] = _to_json(row[name], kind)
    return raw_rows


def _fill_rows(rows, query, dimensions, measures, metric_names) -> list[dict[str, Any]]:
    """Rows for the empty buckets: default values (NULL for Nullable columns, 0 otherwise)."""
    present = {row["time_dimension"] for row in rows}
    filler = []
    for moment in fill_buckets(query.from_ts, query.to_ts, query.granularity):
        if moment in present:
            continue
        out: dict[str, Any] = {name: None for name, _ in dimensions}
        out["time_dimension"] = moment
        for name, (_, aggregation, measure) in zip(metric_names, measures, strict=True):
            out[name] = None if measure.nullable and aggregation not in ("count", "uniq") else 0
        filler.append(out)
    return filler


def _sort_value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _order(rows, query, dimensions, measures, metric_names) -> None:
    """Default: time_dimension ASC, else first metric DESC, else first dimension ASC; NULLS LAST."""
    order = list(query.order_by or ())
    if not order:
        if query.granularity:
            order = [("time_dimension", "asc")]
        elif measures:
            order = [(metric_names[0], "desc")]
        elif dimensions:
            order = [(dimensions[0][0], "asc")]
    # Ties keep a stable, deterministic order: the dimension values ascending. Stable sorts run from
    # the least to the most significant key.
    tiebreak = [(name, "asc") for name, _ in dimensions] + ([("time_dimension", "asc")] if query.granularity else [])
    for name, direction in list(reversed(tiebreak)) + list(reversed(order)):
        _stable_sort(rows, name, direction == "desc")


def _stable_sort(rows: list[dict[str, Any]], name: str, descending: bool) -> None:
    present = [row for row in rows if row.get(name) is not None]
    missing = [row for row in rows if row.get(name) is None]
    present.sort(key=lambda row: _sort_value(row[name]), reverse=descending)
    rows[:] = present + missing

