"""The metrics endpoints (v2 on the v4 profile, v1 on the legacy one), computed exactly from the store.

The store is the legacy test store: 4 traces, observations o1 (root span, 60 s -> 62.5 s),
o2 (generation, 10+5 tokens, $0.003, 1 s), o3 (span, no end), o4 (generation, staging, 1 s), and scores
of every data type. Expected numbers are worked out by hand in each test.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from test_legacy_endpoints import at, legacy_store

from simulator.endpoints.base import ApiError, Request
from simulator.endpoints.metrics import metrics_v1, metrics_v2
from simulator.endpoints.metrics_engine import bucket, fill_buckets
from simulator.store import Store

WINDOW = {"fromTimestamp": at(0), "toTimestamp": at(3600)}


@pytest.fixture(scope="module")
def store() -> Store:
    return legacy_store()


def query(store: Store, version: str = "v2", **body: Any) -> list[dict[str, Any]]:
    handler = metrics_v2 if version == "v2" else metrics_v1
    payload = {"view": "observations", **WINDOW, **body}
    request = Request("GET", "/", {"query": [orjson.dumps(payload).decode()]}, store, "v4" if version == "v2" else "legacy")
    return handler(request)["data"]


def rejected(store: Store, version: str = "v2", **body: Any) -> ApiError:
    with pytest.raises(ApiError) as error:
        query(store, version, **body)
    assert error.value.status == 400
    return error.value


COUNT = {"measure": "count", "aggregation": "count"}


def test_counts_by_dimension_are_quoted_64_bit_integers_ordered_by_first_metric(store):
    rows = query(store, dimensions=[{"field": "name"}], metrics=[COUNT])
    assert rows == [{"name": "llm", "count_count": "2"}, {"name": "root", "count_count": "2"}]


def test_token_and_cost_sums_by_model(store):
    metrics = [
        {"measure": "totalTokens", "aggregation": "sum"},
        {"measure": "inputTokens", "aggregation": "sum"},
        {"measure": "outputCost", "aggregation": "sum"},
        {"measure": "totalCost", "aggregation": "sum"},
    ]
    rows = query(store, dimensions=[{"field": "providedModelName"}], metrics=metrics)
    assert rows[0]["providedModelName"] == "gpt-4o"
    assert (rows[0]["sum_totalTokens"], rows[0]["sum_inputTokens"]) == ("30", "20")
    assert rows[0]["sum_totalCost"] == pytest.approx(0.006) and rows[0]["sum_outputCost"] == pytest.approx(0.004)
    assert rows[1] == {"providedModelName": None, "sum_totalTokens": "0", "sum_inputTokens": "0",
                       "sum_outputCost": 0.0, "sum_totalCost": 0.0}


def test_latency_percentiles_interpolate_and_skip_open_observations(store):
    metrics = [{"measure": "latency", "aggregation": agg} for agg in ("p50", "p95", "sum", "count", "max")]
    row = query(store, "v1", view="observations", metrics=metrics)[0]
    # o1 2500 ms, o2 1000, o4 1000; o3 has no end time
    assert row["p50_latency"] == 1000.0 and row["p95_latency"] == pytest.approx(2350.0)
    assert (row["sum_latency"], row["count_latency"], row["max_latency"]) == ("4500", "3", "2500")
    # v2 reads the events table: microseconds / 1000 is a Float64, so sums are plain numbers
    assert query(store, metrics=[{"measure": "latency", "aggregation": "sum"}])[0]["sum_latency"] == 4500.0


def test_time_bounds_are_both_inclusive_and_must_be_ordered(store):
    assert query(store, metrics=[COUNT], fromTimestamp=at(60), toTimestamp=at(240))[0]["count_count"] == "4"
    assert query(store, metrics=[COUNT], fromTimestamp=at(60), toTimestamp=at(239.999))[0]["count_count"] == "3"
    rejected(store, metrics=[COUNT], fromTimestamp=at(60), toTimestamp=at(60))


def test_time_dimension_fills_empty_buckets_up_to_the_bucket_of_to(store):
    rows = query(store, metrics=[COUNT, {"measure": "latency", "aggregation": "avg"}],
                 timeDimension={"granularity": "hour"}, toTimestamp=at(3 * 3600))
    assert [(r["time_dimension"], r["count_count"]) for r in rows] == [
        ("2026-11-01T10:00:00Z", "4"), ("2026-11-01T11:00:00Z", "0"), ("2026-11-01T12:00:00Z", "0"),
    ]
    assert rows[1]["avg_latency"] is None  # latency is Nullable: the filled default is NULL


def test_explicit_order_by_turns_gap_filling_off(store):
    rows = query(store, metrics=[COUNT], timeDimension={"granularity": "hour"}, toTimestamp=at(3 * 3600),
                 orderBy=[{"field": "count_count", "direction": "desc"}])
    assert rows == [{"time_dimension": "2026-11-01T10:00:00Z", "count_count": "4"}]


@pytest.mark.parametrize(
    ("granularity", "moment", "expected"),
    [
        ("minute", "2026-11-04T10:17:42.123Z", "2026-11-04T10:17:00Z"),
        ("hour", "2026-11-04T10:17:42.123Z", "2026-11-04T10:00:00Z"),
        ("day", "2026-11-04T10:17:42.123Z", "2026-11-04"),
        ("week", "2026-11-04T10:17:42.123Z", "2026-11-02"),  # toMonday
        ("month", "2026-11-04T10:17:42.123Z", "2026-11-01"),
    ],
)
def test_time_buckets(granularity, moment, expected):
    assert bucket(moment, granularity) == expected


def test_auto_granularity_picks_about_fifty_buckets(store):
    rows = query(store, metrics=[COUNT], timeDimension={"granularity": "auto"}, toTimestamp=at(3600 * 5))
    assert len(rows) == 5 and rows[0]["time_dimension"].endswith(":00:00Z")  # under 72 h: hourly
    assert fill_buckets("2026-11-30T00:00:00.000Z", "2027-02-01T00:00:00.000Z", "month") == [
        "2026-11-01", "2026-12-01", "2027-01-01",
    ]


def test_order_by_must_name_a_dimension_time_dimension_or_metric(store):
    rejected(store, metrics=[COUNT], orderBy=[{"field": "sum_totalCost", "direction": "desc"}])
    rejected(store, metrics=[COUNT], dimensions=[{"field": "name"}], orderBy=[{"field": "type", "direction": "asc"}])
    rows = query(store, metrics=[COUNT], dimensions=[{"field": "type"}], orderBy=[{"field": "type", "direction": "asc"}])
    assert [r["type"] for r in rows] == ["GENERATION", "SPAN"]


def test_row_limit_and_its_range(store):
    assert len(query(store, metrics=[COUNT], dimensions=[{"field": "name"}], config={"row_limit": 1})) == 1
    rejected(store, metrics=[COUNT], config={"row_limit": 1001})


def test_v2_refuses_the_traces_view_and_v1_serves_it(store):
    error = rejected(store, view="traces", metrics=[COUNT])
    assert "not supported in version 'v2'" in error.body["message"]
    rows = query(store, "v1", view="traces", dimensions=[{"field": "userId"}], metrics=[COUNT])
    assert rows == [{"userId": "u1", "count_count": "2"}, {"userId": "u2", "count_count": "2"}]


def test_v1_trace_measures_inner_join_observations(store):
    rows = query(store, "v1", view="traces", metrics=[COUNT, {"measure": "totalCost", "aggregation": "sum"},
                                                       {"measure": "count", "aggregation": "sum"}])
    # t3 has no observations and drops out of the join; count(*) per trace counts its joined rows
    assert rows[0]["count_count"] == "3" and rows[0]["sum_count"] == "4"
    assert rows[0]["sum_totalCost"] == pytest.approx(0.006)


def test_v2_high_cardinality_dimensions_need_a_top_n_query(store):
    rejected(store, metrics=[COUNT], dimensions=[{"field": "userId"}])
    rejected(store, metrics=[COUNT], dimensions=[{"field": "traceId"}], config={"row_limit": 5},
             orderBy=[{"field": "traceId", "direction": "desc"}])
    rows = query(store, metrics=[COUNT], dimensions=[{"field": "traceId"}], config={"row_limit": 2},
                 orderBy=[{"field": "count_count", "direction": "desc"}])
    assert rows == [{"traceId": "t1", "count_count": "2"}, {"traceId": "t2", "count_count": "1"}]
    assert query(store, "v1", metrics=[COUNT], dimensions=[{"field": "userId"}])[0]["userId"] == "u1"


def test_numeric_scores_include_booleans_and_categorical_scores_group_by_string_value(store):
    rows = query(store, view="scores-numeric", dimensions=[{"field": "name"}],
                 metrics=[{"measure": "value", "aggregation": "avg"}, COUNT],
                 orderBy=[{"field": "name", "direction": "asc"}])
    assert rows == [
        {"name": "metric-boolean", "avg_value": 1.0, "count_count": "1"},
        {"name": "metric-numeric", "avg_value": 0.875, "count_count": "2"},
    ]
    assert query(store, view="scores-categorical", dimensions=[{"field": "stringValue"}], metrics=[COUNT]) == [
        {"stringValue": "good", "count_count": "1"}
    ]


def test_v1_score_trace_dimensions_inner_join_traces(store):
    rows = query(store, "v1", view="scores-numeric", dimensions=[{"field": "userId"}], metrics=[COUNT])
    assert rows == [{"userId": "u1", "count_count": "2"}]  # the session score has no trace


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        ([{"column": "name", "operator": "=", "value": "llm", "type": "string"}], "2"),
        ([{"column": "environment", "operator": "none of", "value": ["staging"], "type": "stringOptions"}], "3"),
        ([{"column": "start_time", "operator": ">=", "value": at(120), "type": "datetime"}], "2"),
        ([{"column": "tags", "operator": "any of", "value": ["b"], "type": "arrayOptions"}], "3"),
        ([{"column": "providedModelName", "operator": "is null", "type": "null"}], "2"),
    ],
)
def test_filters(store, filters, count):
    assert query(store, "v1", metrics=[COUNT], filters=filters)[0]["count_count"] == count


def test_invalid_queries_are_400(store):
    rejected(store, metrics=[COUNT], filters=[{"column": "nope", "operator": "=", "value": "x", "type": "string"}])
    rejected(store, metrics=[{"measure": "nope", "aggregation": "sum"}])
    rejected(store, metrics=[{"measure": "count", "aggregation": "median"}])
    rejected(store, metrics=[])
    rejected(store, view="nope", metrics=[COUNT])
    error = rejected(store, metrics=[COUNT], fromTimestamp="2026-11-01")
    assert error.body["message"] == "Invalid request data"
    with pytest.raises(ApiError) as missing:
        metrics_v2(Request("GET", "/", {}, store, "v4"))
    assert missing.value.status == 400
