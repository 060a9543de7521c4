"""The legacy (self-hosted v3) read surface, handler by handler, over a small hand-built store.

Handlers are called directly with a ``Request``: no server, so each test is a few milliseconds.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.endpoints.base import ApiError, Request
from simulator.endpoints.legacy import (
    get_observation,
    get_session,
    get_trace,
    list_observations,
    list_sessions,
    list_traces,
)
from simulator.endpoints.legacy_datasets import get_dataset_run, list_dataset_run_items, list_dataset_runs
from simulator.endpoints.legacy_scores import get_score, list_scores
from simulator.store import Store

T0 = datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC)
PROJECT = "proj-legacy"


def at(seconds: float) -> str:
    moment = T0 + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def trace(n: int, user: str, session: str | None, tags: list[str], environment: str = "production") -> dict:
    return {
        "id": f"t{n}", "timestamp": at(n * 60), "name": f"chat-{n % 2}", "input": {"q": n}, "output": "done",
        "sessionId": session, "release": "r1" if n < 3 else "r2", "version": "v1", "userId": user,
        "metadata": {"k": n}, "tags": tags, "public": False, "environment": environment, "projectId": PROJECT,
        "createdAt": at(n * 60), "updatedAt": at(n * 60 + 5), "bookmarked": n == 1, "externalId": None,
    }


def observation(trace_id: str, obs_id: str, start: float, end: float | None, generation: bool = False, **extra) -> dict:
    row = {
        "id": obs_id, "traceId": trace_id, "startTime": at(start), "endTime": None if end is None else at(end),
        "projectId": PROJECT, "parentObservationId": None, "type": "GENERATION" if generation else "SPAN",
        "isRootObservation": True, "name": "llm" if generation else "root", "level": "DEFAULT", "statusMessage": None,
        "version": "v1", "environment": "production", "bookmarked": False, "public": False, "userId": "u1",
        "sessionId": "s1", "completionStartTime": at(start + 0.25) if generation else None,
        "createdAt": at(start), "updatedAt": at(start + 9),
        "input": '{"question": "hi"}' if generation else "plain text", "output": None, "metadata": {"m": "x" * 300},
        "model": "gpt-4o" if generation else None, "internalModelId": "mdl-1" if generation else None,
        "modelParameters": {"temperature": 0.2} if generation else None,
        "usageDetails": {"input": 10, "output": 5, "total": 15} if generation else {},
        "costDetails": {"input": 0.001, "output": 0.002, "total": 0.003} if generation else {},
        "totalCost": 0.003 if generation else 0.0,
        "inputUsage": 10 if generation else 0, "outputUsage": 5 if generation else 0, "totalUsage": 15 if generation else 0,
        "inputCost": 0.001 if generation else None, "outputCost": 0.002 if generation else None,
        "usagePricingTierName": None, "promptId": None, "promptName": None, "promptVersion": None,
        "latency": None if end is None else end - start, "timeToFirstToken": 0.25 if generation else None,
        "modelId": "mdl-1" if generation else None, "inputPrice": "0.0001" if generation else None,
        "outputPrice": "0.0002" if generation else None, "totalPrice": None,
        "traceName": "chat", "tags": [], "release": "r1",
    }
    row.update(extra)
    return row


def score(n: int, data_type: str, value: Any, subject: dict, **extra) -> dict:
    row = {
        "id": f"sc{n}", "projectId": PROJECT, "name": f"metric-{data_type.lower()}", "value": value,
        "dataType": data_type, "source": "API", "timestamp": at(n * 10), "environment": "production",
        "createdAt": at(n * 10), "updatedAt": at(n * 10), "comment": None, "configId": None, "metadata": {},
        "authorUserId": None, "queueId": None, "subject": subject,
    }
    row.update(extra)
    return row


def legacy_store() -> Store:
    """4 traces (t3 has no observations), 4 observations, one score of each kind, 2 sessions, 2 runs."""
    store = Store(project_id=PROJECT, project_name="legacy")
    store.traces = [
        trace(1, "u1", "s1", ["a", "b"]),
        trace(2, "u2", "s1", ["a"]),
        trace(3, "u1", None, [], environment="staging"),
        trace(4, "u2", "s2", ["b"]),
    ]
    store.observations = [
        observation("t1", "o1", 60, 62.5),
        observation("t1", "o2", 60.5, 61.5, generation=True, parentObservationId="o1", level="WARNING"),
        observation("t2", "o3", 120, None),
        observation("t4", "o4", 240, 241, generation=True, environment="staging"),
    ]
    store.score_configs = [{"id": "cfg-cat", "name": "metric-categorical", "dataType": "CATEGORICAL",
                            "categories": [{"value": 1, "label": "good"}, {"value": 0, "label": "bad"}]}]
    store.scores = [
        score(1, "NUMERIC", 0.75, {"kind": "trace", "id": "t1"}),
        score(2, "BOOLEAN", True, {"kind": "observation", "id": "o2", "traceId": "t1"}),
        score(3, "CATEGORICAL", "good", {"kind": "trace", "id": "t2"}, configId="cfg-cat", source="EVAL"),
        score(4, "TEXT", "looks fine", {"kind": "trace", "id": "t4"}),
        score(5, "NUMERIC", 1.0, {"kind": "session", "id": "s1"}),
        score(6, "CORRECTION", "fixed text", {"kind": "experiment", "id": "exp-a"}),
    ]
    store.sessions = [
        {"id": "s1", "createdAt": at(60), "projectId": PROJECT, "environment": "production"},
        {"id": "s2", "createdAt": at(240), "projectId": PROJECT, "environment": "staging"},
    ]
    store.datasets = [{"id": "ds-1", "name": "my dataset", "createdAt": at(0), "updatedAt": at(0)}]
    store.experiments = [
        {"id": "exp-a", "name": "run a", "description": "nightly", "startTime": at(10), "endTime": at(20),
         "itemCount": 2, "datasetId": "ds-1", "metadata": {"model": "gpt-4o"}},
        {"id": "exp-b", "name": "run b", "description": None, "startTime": at(30), "endTime": at(40),
         "itemCount": 1, "datasetId": "ds-1", "metadata": None},
        {"id": "exp-c", "name": "ad hoc", "description": None, "startTime": at(50), "endTime": at(60),
         "itemCount": 0, "datasetId": None, "metadata": None},
    ]
    store.experiment_items = [
        {"id": f"ri{n}", "traceId": f"t{n}", "startTime": at(10 + n), "endTime": at(11 + n), "level": "DEFAULT",
         "environment": "production", "experimentId": "exp-a" if n < 3 else "exp-b",
         "experimentName": "run a" if n < 3 else "run b", "experimentItemId": f"item-{n}"}
        for n in (1, 2, 3)
    ]
    return store


@pytest.fixture(scope="module")
def store() -> Store:
    return legacy_store()


def call(handler, store: Store, path: str = "/", path_params: dict | None = None, **query: Any):
    params = {k: (v if isinstance(v, list) else [str(v)]) for k, v in query.items()}
    return handler(Request("GET", path, params, store, "legacy", path_params or {}))


def ids(page: dict) -> list[str]:
    return [row["id"] for row in page["data"]]


# --- traces ---------------------------------------------------------------------------------------


def test_traces_are_served_newest_first_with_offset_meta(store):
    page = call(list_traces, store, limit=3)
    assert ids(page) == ["t4", "t3", "t2"]
    assert page["meta"] == {"page": 1, "limit": 3, "totalItems": 4, "totalPages": 2}
    assert ids(call(list_traces, store, limit=3, page=2)) == ["t1"]
    assert call(list_traces, store, limit=3, page=3)["data"] == []


def test_trace_window_is_closed_open_on_timestamp(store):
    page = call(list_traces, store, fromTimestamp=at(120), toTimestamp=at(240))
    assert ids(page) == ["t3", "t2"]


def test_trace_limit_above_100_is_rejected_not_clamped(store):
    with pytest.raises(ApiError) as error:
        call(list_traces, store, limit=101)
    assert error.value.status == 400


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"userId": "u1"}, ["t3", "t1"]),
        ({"sessionId": "s1"}, ["t2", "t1"]),
        ({"tags": ["a", "b"]}, ["t1"]),  # all of
        ({"tags": "a,b"}, ["t1"]),
        ({"environment": ["staging", "nope"]}, ["t3"]),  # any of
        ({"release": "r2", "name": "chat-0"}, ["t4"]),
    ],
)
def test_trace_filters(store, query, expected):
    assert ids(call(list_traces, store, **query)) == expected


def test_trace_order_by_field_and_direction(store):
    assert ids(call(list_traces, store, orderBy="timestamp.asc")) == ["t1", "t2", "t3", "t4"]
    # NULLS LAST in both directions: t3 has no session
    assert ids(call(list_traces, store, orderBy="sessionId.asc"))[-1] == "t3"
    assert ids(call(list_traces, store, orderBy="sessionId.desc"))[-1] == "t3"
    with pytest.raises(ApiError) as error:
        call(list_traces, store, orderBy="latency.desc")
    assert error.value.status == 400


def test_trace_details_are_computed_from_observations_and_scores(store):
    t1 = call(list_traces, store, userId="u1")["data"][1]
    assert t1["htmlPath"] == f"/project/{PROJECT}/traces/t1"
    assert t1["latency"] == 2.5  # 60 s -> 62.5 s
    assert t1["totalCost"] == pytest.approx(0.003)
    assert t1["observations"] == ["o1", "o2"]
    assert t1["scores"] == ["sc1", "sc2"]
    assert t1["externalId"] is None and t1["bookmarked"] is True and t1["projectId"] == PROJECT


def test_trace_without_observations_has_zero_metrics(store):
    t3 = call(list_traces, store, environment="staging")["data"][0]
    assert (t3["latency"], t3["totalCost"], t3["observations"]) == (0, 0, [])


def test_left_out_trace_field_groups_are_blanked(store):
    t1 = call(list_traces, store, fields="core", orderBy="timestamp.asc")["data"][0]
    assert (t1["input"], t1["output"], t1["metadata"]) == (None, None, {})
    assert (t1["latency"], t1["totalCost"]) == (-1, -1)
    assert (t1["observations"], t1["scores"]) == ([], [])
    kept = call(list_traces, store, fields="io,metrics,unknown", orderBy="timestamp.asc")["data"][0]
    assert kept["input"] == {"q": 1} and kept["latency"] == 2.5 and kept["scores"] == []


def test_get_trace_has_full_observations_and_v1_scores(store):
    t1 = call(get_trace, store, path_params={"traceId": "t1"})
    assert [obs["id"] for obs in t1["observations"]] == ["o1", "o2"]
    assert t1["observations"][1]["usage"] == {"input": 10, "output": 5, "total": 15, "unit": "TOKENS"}
    assert [(s["id"], s["dataType"], s["value"]) for s in t1["scores"]] == [("sc1", "NUMERIC", 0.75), ("sc2", "BOOLEAN", 1.0)]
    with pytest.raises(ApiError) as error:
        call(get_trace, store, path_params={"traceId": "nope"})
    assert error.value.status == 404


# --- observations v1 ------------------------------------------------------------------------------


def test_observations_v1_are_newest_first_and_closed_open_on_start_time(store):
    assert ids(call(list_observations, store)) == ["o4", "o3", "o2", "o1"]
    assert ids(call(list_observations, store, fromStartTime=at(60.5), toStartTime=at(240))) == ["o3", "o2"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "GENERATION"}, ["o4", "o2"]),
        ({"traceId": "t1"}, ["o2", "o1"]),
        ({"level": "WARNING"}, ["o2"]),
        ({"parentObservationId": "o1"}, ["o2"]),
        ({"environment": "staging"}, ["o4"]),
        ({"name": "root", "userId": "u1"}, ["o3", "o1"]),
    ],
)
def test_observation_v1_filters(store, query, expected):
    assert ids(call(list_observations, store, **query)) == expected


def test_observation_v1_shape_parses_io_and_keeps_legacy_fields(store):
    o2 = call(get_observation, store, path_params={"observationId": "o2"})
    assert o2["input"] == {"question": "hi"}
    assert o2["metadata"]["m"] == "x" * 300  # no 200-character cut in v1
    assert (o2["inputPrice"], o2["outputPrice"]) == (0.0001, 0.0002)  # numbers, not v2's decimal strings
    assert (o2["calculatedInputCost"], o2["calculatedTotalCost"]) == (0.001, 0.003)
    assert (o2["promptTokens"], o2["completionTokens"], o2["totalTokens"]) == (10, 5, 15)
    assert o2["model"] == "gpt-4o" and o2["modelId"] == "mdl-1"
    o1 = call(get_observation, store, path_params={"observationId": "o1"})
    assert o1["input"] == "plain text" and o1["usage"]["unit"] is None


# --- sessions -------------------------------------------------------------------------------------


def test_sessions_list_and_get(store):
    assert ids(call(list_sessions, store)) == ["s2", "s1"]
    assert ids(call(list_sessions, store, toTimestamp=at(240))) == ["s1"]
    assert ids(call(list_sessions, store, environment="staging")) == ["s2"]
    s1 = call(get_session, store, path_params={"sessionId": "s1"})
    assert [t["id"] for t in s1["traces"]] == ["t1", "t2"]
    assert "htmlPath" not in s1["traces"][0]
    with pytest.raises(ApiError):
        call(get_session, store, path_params={"sessionId": "nope"})


# --- scores v2 ------------------------------------------------------------------------------------


def test_scores_v2_shapes_per_data_type(store):
    by_id = {row["id"]: row for row in call(list_scores, store)["data"]}
    assert by_id["sc1"]["value"] == 0.75 and "stringValue" not in by_id["sc1"]
    assert (by_id["sc2"]["value"], by_id["sc2"]["stringValue"]) == (1.0, "True")
    assert (by_id["sc2"]["traceId"], by_id["sc2"]["observationId"]) == ("t1", "o2")
    assert (by_id["sc3"]["value"], by_id["sc3"]["stringValue"]) == (1.0, "good")  # mapped through the config
    assert "value" not in by_id["sc4"] and by_id["sc4"]["stringValue"] == "looks fine"
    assert by_id["sc5"]["sessionId"] == "s1" and by_id["sc5"]["trace"] is None
    assert (by_id["sc6"]["datasetRunId"], by_id["sc6"]["value"], by_id["sc6"]["stringValue"]) == ("exp-a", 0.0, "fixed text")
    assert by_id["sc1"]["trace"] == {"userId": "u1", "tags": ["a", "b"], "environment": "production", "sessionId": "s1"}


def test_scores_v2_order_window_and_filters(store):
    assert ids(call(list_scores, store)) == ["sc6", "sc5", "sc4", "sc3", "sc2", "sc1"]
    assert ids(call(list_scores, store, fromTimestamp=at(20), toTimestamp=at(40))) == ["sc3", "sc2"]
    assert ids(call(list_scores, store, userId="u2")) == ["sc4", "sc3"]
    assert ids(call(list_scores, store, traceId="t1")) == ["sc2", "sc1"]
    assert ids(call(list_scores, store, dataType="numeric")) == ["sc5", "sc1"]
    assert ids(call(list_scores, store, source="EVAL", configId="cfg-cat")) == ["sc3"]
    assert ids(call(list_scores, store, datasetRunId="exp-a")) == ["sc6"]
    assert ids(call(list_scores, store, operator=">=", value="0.8")) == ["sc5", "sc3", "sc2"]
    assert ids(call(list_scores, store, traceTags="b")) == ["sc4", "sc2", "sc1"]


def test_scores_v2_without_trace_group_drop_the_trace_object_and_refuse_user_filters(store):
    row = call(list_scores, store, fields="score")["data"][0]
    assert "trace" not in row
    with pytest.raises(ApiError) as error:
        call(list_scores, store, fields="score", userId="u1")
    assert error.value.status == 400


def test_score_v2_get(store):
    assert call(get_score, store, path_params={"scoreId": "sc3"})["stringValue"] == "good"
    with pytest.raises(ApiError) as error:
        call(get_score, store, path_params={"scoreId": "nope"})
    assert error.value.status == 404


# --- dataset runs ---------------------------------------------------------------------------------


def test_dataset_runs_are_the_experiments_of_a_dataset(store):
    page = call(list_dataset_runs, store, path_params={"datasetName": "my dataset"})
    assert ids(page) == ["exp-b", "exp-a"]  # createdAt DESC; exp-c has no dataset
    run = page["data"][1]
    assert run == {"id": "exp-a", "name": "run a", "description": "nightly", "metadata": {"model": "gpt-4o"},
                   "datasetId": "ds-1", "datasetName": "my dataset", "createdAt": at(10), "updatedAt": at(20)}
    with pytest.raises(ApiError) as error:
        call(list_dataset_runs, store, path_params={"datasetName": "unknown"})
    assert error.value.status == 404


def test_dataset_run_get_carries_its_items(store):
    run = call(get_dataset_run, store, path_params={"datasetName": "my dataset", "runName": "run a"})
    assert [item["id"] for item in run["datasetRunItems"]] == ["ri2", "ri1"]
    assert run["datasetRunItems"][0] == {
        "id": "ri2", "datasetRunId": "exp-a", "datasetRunName": "run a", "datasetItemId": "item-2",
        "traceId": "t2", "observationId": None, "createdAt": at(12), "updatedAt": at(13),
    }


def test_dataset_run_items_need_dataset_id_and_run_name(store):
    assert ids(call(list_dataset_run_items, store, datasetId="ds-1", runName="run b")) == ["ri3"]
    with pytest.raises(ApiError) as error:
        call(list_dataset_run_items, store, datasetId="ds-1")
    assert error.value.status == 400 and error.value.body["message"] == "Invalid request data"
    with pytest.raises(ApiError) as error:
        call(list_dataset_run_items, store, datasetId="ds-1", runName="nope")
    assert error.value.status == 404


def test_a_new_store_never_sees_the_cached_pages_of_a_freed_one():
    # CPython reuses the id() of freed objects, and every fresh store starts at version 0.
    for n in range(20):
        fresh = Store(project_id=PROJECT, project_name="legacy")
        fresh.traces = [trace(n, "u1", None, [])]
        assert ids(call(list_traces, fresh)) == [f"t{n}"]
        del fresh
        gc.collect()
