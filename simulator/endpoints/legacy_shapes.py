"""Legacy (self-hosted v3) response shapes, derived from the canonical v4 rows of the store.

The store holds what the v4 API serves (observations v2, scores v3, experiments); the v3 endpoints
answered with other shapes for the same facts. Every function here is a pure conversion, so the
legacy handlers stay thin and the conversions can be tested on hand-built rows.

Per-trace aggregates (observation ids, score ids, latency, cost) need a pass over all observations
and scores; ``derived(store)`` computes them once per ``store.version``.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from simulator.store import Row, Store

TRACE_GROUPS = ("core", "io", "scores", "observations", "metrics")


# --- derived indexes ----------------------------------------------------------------------------


@dataclass
class Derived:
    """Lookups the legacy shapes need, built from one consistent snapshot of the store."""

    traces_by_id: dict[str, Row]
    observations_by_trace: dict[str, list[Row]]
    score_ids_by_trace: dict[str, list[str]]
    category_values: dict[tuple[str, str], float]  # (configId, label) -> numeric category value
    datasets_by_id: dict[str, Row]
    trace_latency: dict[str, float] = field(default_factory=dict)
    trace_cost: dict[str, float] = field(default_factory=dict)
    # Unique per build: index names carry it, so a sort index can never be served for another store
    # that happens to reuse a freed store's id() (keyset.IndexCache keys on id(store) and version).
    token: int = field(default_factory=itertools.count().__next__)


_cache_lock = threading.Lock()
# id(store) -> (weak reference, version, lookups); the weak reference guards against a new store that
# reuses the id of a freed one (both start at version 0).
_cache: dict[int, tuple[weakref.ref, int, Derived]] = {}


def derived(store: Store) -> Derived:
    """The lookups for the store's current version (rebuilt after each mutation)."""
    with _cache_lock:
        hit = _cache.get(id(store))
        if hit is not None and hit[0]() is store and hit[1] == store.version:
            return hit[2]
    with store.lock:
        version = store.version
        traces, observations, scores = list(store.traces), list(store.observations), list(store.scores)
        configs, datasets = list(store.score_configs), list(store.datasets)
    result = _build(traces, observations, scores, configs, datasets)
    with _cache_lock:
        for key in [key for key, (ref, _, _) in _cache.items() if ref() is None]:
            del _cache[key]
        _cache[id(store)] = (weakref.ref(store), version, result)
    return result


def _build(traces, observations, scores, configs, datasets) -> Derived:
    observations_by_trace: dict[str, list[Row]] = defaultdict(list)
    for row in observations:
        if row.get("traceId"):
            observations_by_trace[row["traceId"]].append(row)
    score_ids_by_trace: dict[str, list[str]] = defaultdict(list)
    for row in scores:
        trace_id = score_links(row)["traceId"]
        if trace_id:
            score_ids_by_trace[trace_id].append(row["id"])
    category_values = {
        (config["id"], category["label"]): float(category["value"])
        for config in configs
        for category in config.get("categories") or []
    }
    result = Derived(
        traces_by_id={row["id"]: row for row in traces},
        observations_by_trace=dict(observations_by_trace),
        score_ids_by_trace=dict(score_ids_by_trace),
        category_values=category_values,
        datasets_by_id={row["id"]: row for row in datasets},
    )
    for trace_id, rows in result.observations_by_trace.items():
        result.trace_latency[trace_id], result.trace_cost[trace_id] = _trace_metrics(rows)
    return result


def _parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _trace_metrics(observations: list[Row]) -> tuple[float, float]:
    """Latency: first observation start to last start-or-end, in seconds; cost: sum of totalCost."""
    starts = [row["startTime"] for row in observations]
    ends = [row.get("endTime") or row["startTime"] for row in observations]
    latency_ms = (_parse_ts(max(starts + ends)) - _parse_ts(min(starts))).total_seconds() * 1000
    cost = sum(row.get("totalCost") or 0 for row in observations)
    return round(latency_ms) / 1000, cost


# --- traces ---------------------------------------------------------------------------------------

_TRACE_DETAIL_KEYS = ("htmlPath", "latency", "totalCost", "observations", "scores")


def trace_core(row: Row) -> Row:
    """The Trace object (plus the unspecified extras the server returns: projectId, bookmarked,
    externalId, createdAt, updatedAt), without the TraceWithDetails keys."""
    out = {key: value for key, value in row.items() if key not in _TRACE_DETAIL_KEYS}
    out.setdefault("externalId", None)  # guide §3 Trace: returned, always null
    out.setdefault("bookmarked", False)
    out.setdefault("public", False)
    out.setdefault("tags", [])
    out.setdefault("metadata", {})
    return out


def trace_with_details(row: Row, view: Derived, groups: frozenset[str]) -> Row:
    """TraceWithDetails with the left-out groups blanked as ``traces_converters.ts`` does."""
    out = trace_core(row)
    trace_id = row["id"]
    if "io" not in groups:
        out["input"], out["output"], out["metadata"] = None, None, {}
    out["htmlPath"] = f"/project/{row.get('projectId', '')}/traces/{trace_id}"
    if "metrics" in groups:
        # No observations: the COALESCE in the server's query gives 0, not null.
        out["latency"] = view.trace_latency.get(trace_id, 0)
        out["totalCost"] = view.trace_cost.get(trace_id, 0)
    else:
        out["latency"], out["totalCost"] = -1, -1
    observations = view.observations_by_trace.get(trace_id, [])
    out["observations"] = [obs["id"] for obs in observations] if "observations" in groups else []
    out["scores"] = list(view.score_ids_by_trace.get(trace_id, [])) if "scores" in groups else []
    return out


# --- observations v1 ------------------------------------------------------------------------------


def parse_json_text(value: Any) -> Any:
    """v1 serves io JSON-parsed; plain text that is not JSON stays a string."""
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def _price(value: Any) -> float | None:
    """v2 serves prices as decimal strings; v1 served numbers."""
    return None if value is None else float(value)


def _summed(details: dict[str, Any] | None, needle: str) -> float:
    return sum(v for k, v in (details or {}).items() if needle in k.lower() and v is not None)


def usage_numbers(row: Row) -> tuple[int, int, int]:
    """(input, output, total) units: the derived v2 fields, else summed from usageDetails."""
    details = row.get("usageDetails") or {}
    inp = row.get("inputUsage")
    out = row.get("outputUsage")
    total = row.get("totalUsage")
    inp = int(_summed(details, "input")) if inp is None else inp
    out = int(_summed(details, "output")) if out is None else out
    total = int(details.get("total", inp + out)) if total is None else total
    return inp, out, total


def cost_numbers(row: Row) -> tuple[float | None, float | None, float | None]:
    details = row.get("costDetails") or {}
    inp = row.get("inputCost")
    out = row.get("outputCost")
    if inp is None and details:
        inp = _summed(details, "input")
    if out is None and details:
        out = _summed(details, "output")
    return inp, out, row.get("totalCost")


def observation_v1(row: Row) -> Row:
    """ObservationsView (Observation + prices/costs/latency) and the unspecified extras of guide §3."""
    inp, out, total = usage_numbers(row)
    input_cost, output_cost, total_cost = cost_numbers(row)
    unit = "TOKENS" if row.get("usageDetails") else None
    return {
        "id": row["id"],
        "traceId": row.get("traceId"),
        "type": row["type"],
        "name": row.get("name"),
        "startTime": row["startTime"],
        "endTime": row.get("endTime"),
        "completionStartTime": row.get("completionStartTime"),
        # the v2 wire key is `model` (guide §3 ObservationV2); accept the spec's name too
        "model": row.get("model", row.get("providedModelName")),
        "modelParameters": row.get("modelParameters") or {},
        "input": parse_json_text(row.get("input")),
        "version": row.get("version"),
        "metadata": row.get("metadata") or {},
        "output": parse_json_text(row.get("output")),
        "usage": {"input": inp, "output": out, "total": total, "unit": unit},
        "level": row.get("level") or "DEFAULT",
        "statusMessage": row.get("statusMessage"),
        "parentObservationId": row.get("parentObservationId") or None,
        "promptId": row.get("promptId"),
        "usageDetails": row.get("usageDetails") or {},
        "costDetails": row.get("costDetails") or {},
        "environment": row.get("environment") or "default",
        "promptName": row.get("promptName"),
        "promptVersion": row.get("promptVersion"),
        "modelId": row.get("modelId") or row.get("internalModelId"),
        "inputPrice": _price(row.get("inputPrice")),
        "outputPrice": _price(row.get("outputPrice")),
        "totalPrice": _price(row.get("totalPrice")),
        "calculatedInputCost": input_cost,
        "calculatedOutputCost": output_cost,
        "calculatedTotalCost": total_cost,
        "latency": row.get("latency"),
        "timeToFirstToken": row.get("timeToFirstToken"),
        # returned by the v3 server but not in the spec (guide §3 Observation v1)
        "projectId": row.get("projectId"),
        "createdAt": row.get("createdAt"),
        "updatedAt": row.get("updatedAt"),
        "unit": unit,
        "promptTokens": inp,
        "completionTokens": out,
        "totalTokens": total,
        "usagePricingTierId": row.get("usagePricingTierId"),
        "usagePricingTierName": row.get("usagePricingTierName"),
    }


# --- scores v2 ------------------------------------------------------------------------------------


def score_links(row: Row) -> dict[str, str | None]:
    """traceId/observationId/sessionId/datasetRunId of a ScoreV3 row, read from its ``subject``."""
    subject = row.get("subject") or {}
    kind, subject_id = subject.get("kind"), subject.get("id")
    links: dict[str, str | None] = {
        "traceId": subject_id if kind == "trace" else subject.get("traceId") if kind == "observation" else None,
        "observationId": subject_id if kind == "observation" else None,
        "sessionId": subject_id if kind == "session" else None,
        "datasetRunId": subject_id if kind == "experiment" else None,
    }
    for key in links:  # a generator may also keep the flat v2 columns; they win when present
        if row.get(key) is not None:
            links[key] = row[key]
    return links


def score_value_fields(row: Row, view: Derived) -> Row:
    """The v2 ``value``/``stringValue`` pair for a v3 polymorphic ``value`` (guide §3 Scores)."""
    data_type, value = row["dataType"], row.get("value")
    if data_type == "NUMERIC":
        return {"value": value}
    if data_type == "BOOLEAN":
        truthy = bool(value)
        return {"value": 1.0 if truthy else 0.0, "stringValue": "True" if truthy else "False"}
    if data_type == "CATEGORICAL":
        mapped = view.category_values.get((row.get("configId") or "", value), 0.0)
        return {"value": mapped, "stringValue": value}
    if data_type == "CORRECTION":
        return {"value": 0.0, "stringValue": value or ""}
    return {"stringValue": value}  # TEXT: no `value` key at all


def score_v2(row: Row, view: Derived, with_trace: bool) -> Row:
    """GetScoresResponseData (list) or Score (get, ``with_trace=False``), plus projectId/executionTraceId."""
    links = score_links(row)
    out: Row = {
        "id": row["id"],
        "traceId": links["traceId"],
        "sessionId": links["sessionId"],
        "observationId": links["observationId"],
        "datasetRunId": links["datasetRunId"],
        "name": row["name"],
        "source": row["source"],
        "timestamp": row["timestamp"],
        "createdAt": row["createdAt"],
        "updatedAt": row["updatedAt"],
        "authorUserId": row.get("authorUserId"),
        "comment": row.get("comment"),
        "metadata": row.get("metadata") or {},
        "configId": row.get("configId"),
        "queueId": row.get("queueId"),
        "environment": row.get("environment") or "default",
        "dataType": row["dataType"],
        **score_value_fields(row, view),
        "projectId": row.get("projectId"),
        "executionTraceId": row.get("executionTraceId"),
    }
    if with_trace:
        trace = view.traces_by_id.get(links["traceId"] or "")
        out["trace"] = (
            None
            if trace is None
            else {
                "userId": trace.get("userId"),
                "tags": trace.get("tags") or [],
                "environment": trace.get("environment"),
                "sessionId": trace.get("sessionId"),
            }
        )
    return out


def score_trace_user(row: Row, view: Derived) -> str | None:
    trace = view.traces_by_id.get(score_links(row)["traceId"] or "")
    return None if trace is None else trace.get("userId")


def score_trace_tags(row: Row, view: Derived) -> list[str]:
    trace = view.traces_by_id.get(score_links(row)["traceId"] or "")
    return [] if trace is None else list(trace.get("tags") or [])


# --- dataset runs (= experiments with a dataset) --------------------------------------------------


def dataset_run(experiment: Row, view: Derived) -> Row:
    dataset = view.datasets_by_id.get(experiment.get("datasetId") or "", {})
    created = experiment.get("createdAt") or experiment.get("startTime")
    return {
        "id": experiment["id"],
        "name": experiment["name"],
        "description": experiment.get("description"),
        "metadata": experiment.get("metadata") or {},
        "datasetId": experiment.get("datasetId"),
        "datasetName": dataset.get("name"),
        "createdAt": created,
        "updatedAt": experiment.get("updatedAt") or experiment.get("endTime") or created,
    }


def dataset_run_item(item: Row) -> Row:
    created = item.get("createdAt") or item.get("startTime")
    return {
        "id": item["id"],
        "datasetRunId": item["experimentId"],
        "datasetRunName": item["experimentName"],
        "datasetItemId": item["experimentItemId"],
        "traceId": item["traceId"],
        "observationId": item.get("observationId"),
        "createdAt": created,
        "updatedAt": item.get("updatedAt") or item.get("endTime") or created,
    }
