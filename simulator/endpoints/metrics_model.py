"""The metrics data model: views, their dimensions and measures, read from the store's rows.

Mirrors Langfuse's ``web/src/features/query/dataModel.ts`` (guide §4 table) closely enough that the
numbers are what the real two-level ClickHouse query returns:

* The inner query groups by entity id; a dimension is ``any(...)`` of the entity, a measure is the
  per-entity SQL. The outer query applies the requested aggregation over entities.
* A dimension or measure read from another table (``relation``) adds an INNER JOIN with a time window
  on that table: entities without a related row in [from, to] drop out, and ``count(*)`` /
  ``sum``/``sumMap`` measures are multiplied by the number of joined rows (``multiplicity``).
* v1 reads trace attributes through the traces table; v2 (events) has them denormalised on the
  observation row, and its scores views reach observation attributes through ``events`` joined on
  ``observation_id``.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from simulator.endpoints.legacy_shapes import derived, score_links
from simulator.store import Row, Store

INT, FLOAT, DECIMAL = "int", "float", "decimal"


@dataclass
class Lookups:
    """Join partners by key, built once per store version."""

    traces_by_id: dict[str, Row]
    observations_by_id: dict[str, list[Row]]
    observations_by_trace: dict[str, list[Row]]
    scores_by_observation: dict[str, list[Row]]
    scores_by_trace: dict[str, list[Row]]


_lock = threading.Lock()
_cache: dict[int, tuple[weakref.ref, int, Lookups]] = {}  # as legacy_shapes.derived's cache


def lookups(store: Store) -> Lookups:
    with _lock:
        hit = _cache.get(id(store))
        if hit is not None and hit[0]() is store and hit[1] == store.version:
            return hit[2]
    view = derived(store)
    with store.lock:
        version = store.version
        observations, scores = list(store.observations), list(store.scores)
    by_id: dict[str, list[Row]] = defaultdict(list)
    for row in observations:
        by_id[row["id"]].append(row)
    scores_by_observation: dict[str, list[Row]] = defaultdict(list)
    scores_by_trace: dict[str, list[Row]] = defaultdict(list)
    for row in scores:
        links = score_links(row)
        if links["observationId"]:
            scores_by_observation[links["observationId"]].append(row)
        if links["traceId"]:
            scores_by_trace[links["traceId"]].append(row)
    result = Lookups(
        traces_by_id=view.traces_by_id,
        observations_by_id=dict(by_id),
        observations_by_trace=view.observations_by_trace,
        scores_by_observation=dict(scores_by_observation),
        scores_by_trace=dict(scores_by_trace),
    )
    with _lock:
        for key in [key for key, (ref, _, _) in _cache.items() if ref() is None]:
            del _cache[key]
        _cache[id(store)] = (weakref.ref(store), version, result)
    return result


# --- declarations -----------------------------------------------------------------------------------

Joined = dict[str, list[Row]]


@dataclass(frozen=True)
class Dimension:
    get: Callable[[Row, Joined], Any]
    relation: str | None = None
    high_cardinality: bool = False  # v2 only: refused unless it is a top-N query (validateQuery.ts)


@dataclass(frozen=True)
class Measure:
    """``value(entity, joined, multiplicity)`` is the inner query's per-entity value."""

    value: Callable[[Row, Joined, int], Any]
    kind: str  # INT (64-bit: quoted in ClickHouse JSON), FLOAT, DECIMAL
    nullable: bool = False
    relation: str | None = None


@dataclass(frozen=True)
class Relation:
    """How an entity finds its partners in another table, and that table's time column."""

    find: Callable[[Lookups, Row], list[Row]]
    time_column: str


@dataclass(frozen=True)
class View:
    name: str
    rows: Callable[[Store], list[Row]]
    time_column: str  # the row key; ``time_filter_column`` is the name filters use (ClickHouse column)
    time_filter_column: str
    dimensions: dict[str, Dimension]
    measures: dict[str, Measure]
    relations: dict[str, Relation]
    segment: Callable[[Row], bool] | None = None


def _ms(value: str | None) -> int | None:
    if value is None:
        return None
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def _diff_ms(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    return _ms(end) - _ms(start)


def _diff_seconds(start: str | None, end: str | None) -> int | None:
    """ClickHouse ``date_diff('second', a, b)``: whole-second boundaries crossed."""
    if start is None or end is None:
        return None
    return _ms(end) // 1000 - _ms(start) // 1000


def _keyed_sum(details: dict[str, Any] | None, needle: str) -> int | float:
    """``arraySum(mapValues(mapFilter(k -> positionCaseInsensitive(k, needle) > 0, map)))``."""
    return sum(v for k, v in (details or {}).items() if needle in k.lower() and v is not None)


def _keyed_cost(details: dict[str, Any] | None, needle: str) -> Decimal:
    """``_keyed_sum`` in Decimal arithmetic, as ClickHouse sums Decimal(18, 12) costs: no float drift."""
    return sum((Decimal(str(v)) for k, v in (details or {}).items() if needle in k.lower() and v is not None),
               Decimal(0))


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _field(name: str) -> Callable[[Row, Joined], Any]:
    return lambda row, joined: row.get(name)


def _from(relation: str, name: str) -> Callable[[Row, Joined], Any]:
    return lambda row, joined: joined[relation][0].get(name)


def _month(column: str) -> Callable[[Row, Joined], Any]:
    return lambda row, joined: row[column][:7]


def _model_name(row: Row) -> Any:
    # the v2 wire key is `model`, not the spec's providedModelName (guide §3 ObservationV2)
    return row.get("model", row.get("providedModelName"))


# --- observations -----------------------------------------------------------------------------------


def _latency(scale: float | None) -> Callable[[Row, Joined, int], Any]:
    """v1 (observations table) is integer ms; v2 (events) divides microseconds by 1000: a Float64."""

    def value(row: Row, joined: Joined, mult: int) -> Any:
        ms = _diff_ms(row["startTime"], row.get("endTime"))
        return ms if ms is None or scale is None else ms * scale

    return value


def _streaming_latency(scale: float | None) -> Callable[[Row, Joined, int], Any]:
    def value(row: Row, joined: Joined, mult: int) -> Any:
        ms = _diff_ms(row.get("completionStartTime"), row.get("endTime"))
        return ms if ms is None or scale is None else ms * scale

    return value


def _ttft(scale: float | None) -> Callable[[Row, Joined, int], Any]:
    def value(row: Row, joined: Joined, mult: int) -> Any:
        ms = _diff_ms(row["startTime"], row.get("completionStartTime"))
        return ms if ms is None or scale is None else ms * scale

    return value


def _total_tokens(row: Row, joined: Joined, mult: int) -> int:
    return int((row.get("usageDetails") or {}).get("total", 0)) * mult  # sumMap over the joined rows


def _output_tokens_per_second(row: Row, joined: Joined, mult: int) -> float | None:
    seconds = _diff_seconds(row.get("completionStartTime"), row.get("endTime"))
    if not seconds:
        return None
    return _keyed_sum(row.get("usageDetails"), "output") / seconds


def _tokens_per_second(row: Row, joined: Joined, mult: int) -> float | None:
    seconds = _diff_seconds(row["startTime"], row.get("endTime"))
    if not seconds:
        return None  # x/0 is inf or nan in ClickHouse; its JSON writes them as null
    return _total_tokens(row, joined, mult) / seconds


def _total_cost(row: Row, joined: Joined, mult: int) -> Decimal | None:
    cost = _decimal(row.get("totalCost"))
    return None if cost is None else cost * mult


def _observation_measures(latency_scale: float | None) -> dict[str, Measure]:
    latency_kind = INT if latency_scale is None else FLOAT
    return {
        "count": Measure(lambda row, joined, mult: mult, INT),
        "latency": Measure(_latency(latency_scale), latency_kind, nullable=True),
        "streamingLatency": Measure(_streaming_latency(latency_scale), latency_kind, nullable=True),
        "timeToFirstToken": Measure(_ttft(latency_scale), latency_kind, nullable=True),
        "inputTokens": Measure(lambda row, joined, mult: int(_keyed_sum(row.get("usageDetails"), "input")), INT),
        "outputTokens": Measure(lambda row, joined, mult: int(_keyed_sum(row.get("usageDetails"), "output")), INT),
        "totalTokens": Measure(_total_tokens, INT),
        "outputTokensPerSecond": Measure(_output_tokens_per_second, FLOAT, nullable=True),
        "tokensPerSecond": Measure(_tokens_per_second, FLOAT, nullable=True),
        "inputCost": Measure(lambda row, joined, mult: _keyed_cost(row.get("costDetails"), "input"), DECIMAL),
        "outputCost": Measure(lambda row, joined, mult: _keyed_cost(row.get("costDetails"), "output"), DECIMAL),
        "totalCost": Measure(_total_cost, DECIMAL, nullable=True),
        "countScores": Measure(
            lambda row, joined, mult: len({score["id"] for score in joined["scores"]}), INT, relation="scores"
        ),
    }


def _observation_dimensions(version: str) -> dict[str, Dimension]:
    common = {
        "id": Dimension(_field("id"), high_cardinality=True),
        "traceId": Dimension(_field("traceId"), high_cardinality=True),
        "environment": Dimension(_field("environment")),
        "parentObservationId": Dimension(_field("parentObservationId"), high_cardinality=True),
        "type": Dimension(_field("type")),
        "name": Dimension(_field("name")),
        "level": Dimension(_field("level")),
        "version": Dimension(_field("version")),
        "providedModelName": Dimension(lambda row, joined: _model_name(row)),
        "promptName": Dimension(_field("promptName")),
        "promptVersion": Dimension(_field("promptVersion")),
        "startTimeMonth": Dimension(_month("startTime")),
    }
    if version == "v1":
        trace_attrs = {
            "traceName": "name", "tags": "tags", "userId": "userId", "sessionId": "sessionId",
            "traceRelease": "release", "traceVersion": "version",
        }
        common.update({dim: Dimension(_from("traces", attr), "traces") for dim, attr in trace_attrs.items()})
        return common
    common.update(
        {
            # denormalised trace attributes on the events row; the spec maps traceRelease/traceVersion
            # to release/version of the row
            "traceName": Dimension(_field("traceName")),
            "tags": Dimension(_field("tags")),
            "userId": Dimension(_field("userId"), high_cardinality=True),
            "sessionId": Dimension(_field("sessionId"), high_cardinality=True),
            "release": Dimension(_field("release")),
            "traceRelease": Dimension(_field("release")),
            "traceVersion": Dimension(_field("version")),
            "isRootObservation": Dimension(_field("isRootObservation")),
        }
    )
    return common


# --- scores -----------------------------------------------------------------------------------------


def _score_link(name: str) -> Callable[[Row, Joined], Any]:
    return lambda row, joined: score_links(row)[name]


def _score_dimensions(version: str, value_dimension: str) -> dict[str, Dimension]:
    dims = {
        "id": Dimension(_field("id"), high_cardinality=True),
        "environment": Dimension(_field("environment")),
        "name": Dimension(_field("name")),
        "source": Dimension(_field("source")),
        "dataType": Dimension(_field("dataType")),
        "traceId": Dimension(_score_link("traceId"), high_cardinality=True),
        "observationId": Dimension(_score_link("observationId"), high_cardinality=True),
        "configId": Dimension(_field("configId")),
        "timestampMonth": Dimension(_month("timestamp")),
        "timestampDay": Dimension(lambda row, joined: row["timestamp"][:10]),
    }
    observation_attrs = {
        "observationName": "name", "observationPromptName": "promptName", "observationPromptVersion": "promptVersion",
    }
    if version == "v1":
        trace_attrs = {
            "traceName": "name", "tags": "tags", "userId": "userId", "sessionId": "sessionId",
            "traceRelease": "release", "traceVersion": "version",
        }
        dims.update({dim: Dimension(_from("traces", attr), "traces") for dim, attr in trace_attrs.items()})
        dims.update({dim: Dimension(_from("observations", a), "observations") for dim, a in observation_attrs.items()})
        dims["observationModelName"] = Dimension(lambda row, joined: _model_name(joined["observations"][0]),
                                                 "observations")
    else:
        # v2: the score's own session_id; trace and observation attributes come from the events row
        # joined on observation_id (dataModel.ts scoresV2BaseDimensions)
        dims["sessionId"] = Dimension(_score_link("sessionId"), high_cardinality=True)
        event_attrs = {
            "userId": "userId", "tags": "tags", "release": "release", "traceName": "traceName",
            "traceRelease": "release", "traceVersion": "version", **observation_attrs,
        }
        dims.update({dim: Dimension(_from("events", attr), "events") for dim, attr in event_attrs.items()})
        dims["userId"] = Dimension(_from("events", "userId"), "events", high_cardinality=True)
        dims["observationModelName"] = Dimension(lambda row, joined: _model_name(joined["events"][0]), "events")
    if value_dimension == "value":
        dims["value"] = Dimension(lambda row, joined: _numeric_value(row))
    else:
        dims["stringValue"] = Dimension(_field("value"))
    return dims


def _numeric_value(row: Row) -> float | None:
    value = row.get("value")
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return value


_SCORE_MEASURES_NUMERIC = {
    "count": Measure(lambda row, joined, mult: mult, INT),
    "value": Measure(lambda row, joined, mult: _numeric_value(row), FLOAT),
}
_SCORE_MEASURES_CATEGORICAL = {"count": Measure(lambda row, joined, mult: mult, INT)}


# --- traces (v1 only) -------------------------------------------------------------------------------


def _trace_latency(row: Row, joined: Joined, mult: int) -> int | None:
    observations = joined["observations"]
    ends = [obs["endTime"] for obs in observations if obs.get("endTime")]
    if not ends:
        return None
    return _diff_ms(min(obs["startTime"] for obs in observations), max(ends))


def _trace_measures() -> dict[str, Measure]:
    def scores_factor(joined: Joined) -> int:
        return len(joined["scores"]) if "scores" in joined else 1

    def total_tokens(row: Row, joined: Joined, mult: int) -> int:
        tokens = sum(int((obs.get("usageDetails") or {}).get("total", 0)) for obs in joined["observations"])
        return tokens * scores_factor(joined)

    def total_cost(row: Row, joined: Joined, mult: int) -> Decimal | None:
        costs = [_decimal(obs.get("totalCost")) for obs in joined["observations"] if obs.get("totalCost") is not None]
        return sum(costs, Decimal(0)) * scores_factor(joined) if costs else None

    return {
        "count": Measure(lambda row, joined, mult: mult, INT),
        "observationsCount": Measure(
            lambda row, joined, mult: len({obs["id"] for obs in joined["observations"]}), INT, relation="observations"
        ),
        "scoresCount": Measure(
            lambda row, joined, mult: len({score["id"] for score in joined["scores"]}), INT, relation="scores"
        ),
        "uniqueUserIds": Measure(lambda row, joined, mult: 1 if row.get("userId") else 0, INT),
        "uniqueSessionIds": Measure(lambda row, joined, mult: 1 if row.get("sessionId") else 0, INT),
        "latency": Measure(_trace_latency, INT, nullable=True, relation="observations"),
        "totalTokens": Measure(total_tokens, INT, relation="observations"),
        "totalCost": Measure(total_cost, DECIMAL, nullable=True, relation="observations"),
    }


_TRACE_DIMENSIONS = {
    "id": Dimension(_field("id")),
    "name": Dimension(_field("name")),
    "tags": Dimension(_field("tags")),
    "userId": Dimension(_field("userId")),
    "sessionId": Dimension(_field("sessionId")),
    "release": Dimension(_field("release")),
    "version": Dimension(_field("version")),
    "environment": Dimension(_field("environment")),
    "timestampMonth": Dimension(_month("timestamp")),
}


# --- relations ----------------------------------------------------------------------------------------


def _trace_of(look: Lookups, row: Row) -> list[Row]:
    trace = look.traces_by_id.get(row.get("traceId") or score_links(row)["traceId"] or "")
    return [] if trace is None else [trace]


def _observation_of_score(look: Lookups, row: Row) -> list[Row]:
    return look.observations_by_id.get(score_links(row)["observationId"] or "", [])


_RELATIONS = {
    "observations": {
        "traces": Relation(_trace_of, "timestamp"),
        "scores": Relation(lambda look, row: look.scores_by_observation.get(row["id"], []), "timestamp"),
    },
    "traces": {
        "observations": Relation(lambda look, row: look.observations_by_trace.get(row["id"], []), "startTime"),
        "scores": Relation(lambda look, row: look.scores_by_trace.get(row["id"], []), "timestamp"),
    },
    "scores": {
        "traces": Relation(_trace_of, "timestamp"),
        "observations": Relation(_observation_of_score, "startTime"),
        "events": Relation(_observation_of_score, "startTime"),
    },
}

_NUMERIC_TYPES = frozenset({"NUMERIC", "BOOLEAN"})


def _build_views(version: str) -> dict[str, View]:
    latency_scale = None if version == "v1" else 1.0
    views = {
        "observations": View(
            "observations", lambda store: store.observations, "startTime", "start_time",
            _observation_dimensions(version), _observation_measures(latency_scale), _RELATIONS["observations"],
        ),
        "scores-numeric": View(
            "scores-numeric", lambda store: store.scores, "timestamp", "timestamp",
            _score_dimensions(version, "value"), _SCORE_MEASURES_NUMERIC, _RELATIONS["scores"],
            segment=lambda row: row.get("dataType") in _NUMERIC_TYPES,
        ),
        "scores-categorical": View(
            "scores-categorical", lambda store: store.scores, "timestamp", "timestamp",
            _score_dimensions(version, "stringValue"), _SCORE_MEASURES_CATEGORICAL, _RELATIONS["scores"],
            segment=lambda row: row.get("dataType") == "CATEGORICAL",
        ),
    }
    if version == "v1":
        views["traces"] = View(
            "traces", lambda store: store.traces, "timestamp", "timestamp",
            _TRACE_DIMENSIONS, _trace_measures(), _RELATIONS["traces"],
        )
    return views


VIEWS: dict[str, dict[str, View]] = {"v1": _build_views("v1"), "v2": _build_views("v2")}
