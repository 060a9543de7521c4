"""GET /api/public/v3/scores: cursor paging, field groups, filters and their 400s."""

from __future__ import annotations

import pytest

PATH = "/api/public/v3/scores"
CORE = {
    "id",
    "projectId",
    "name",
    "value",
    "dataType",
    "source",
    "timestamp",
    "environment",
    "createdAt",
    "updatedAt",
}


def all_pages(client, limit: int, **params) -> list[dict]:
    rows, cursor = [], None
    while True:
        body = client.get(
            PATH, params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        ).json()
        assert body["meta"]["limit"] == limit
        rows.extend(body["data"])
        cursor = body["meta"].get("cursor")
        if not cursor:
            return rows


def test_paging_walks_timestamp_desc_then_id_desc_through_ties(client, sim):
    rows = all_pages(client, limit=3)
    expected = sorted(sim.store.scores, key=lambda s: (s["timestamp"], s["id"]), reverse=True)
    assert [r["id"] for r in rows] == [s["id"] for s in expected]


def test_meta_has_the_limit_always_and_the_cursor_only_while_rows_remain(client):
    last = client.get(PATH, params={"limit": 100}).json()
    assert last["meta"] == {"limit": 100}
    assert "cursor" in client.get(PATH, params={"limit": 5}).json()["meta"]


def test_limit_above_100_is_rejected(client):
    assert client.get(PATH, params={"limit": 101}).status_code == 400
    assert len(client.get(PATH).json()["data"]) == 24  # default 50 covers the 24 scores


def test_core_fields_only_by_default_and_groups_add_theirs(client):
    assert set(client.get(PATH, params={"limit": 1}).json()["data"][0]) == CORE
    row = client.get(PATH, params={"limit": 1, "fields": "details,subject,annotation"}).json()["data"][0]
    assert set(row) == CORE | {"comment", "configId", "metadata", "subject", "authorUserId", "queueId"}


def test_an_unknown_field_group_is_a_400(client):
    assert client.get(PATH, params={"fields": "details,trace"}).status_code == 400


def test_value_is_polymorphic_by_data_type(client):
    rows = client.get(PATH, params={"limit": 100}).json()["data"]
    by_type = {r["dataType"]: r["value"] for r in rows}
    assert isinstance(by_type["NUMERIC"], float)
    assert isinstance(by_type["BOOLEAN"], bool)
    assert isinstance(by_type["CATEGORICAL"], str) and isinstance(by_type["TEXT"], str)


def test_from_timestamp_is_inclusive_and_to_timestamp_exclusive(client, spec):
    rows = client.get(PATH, params={"fromTimestamp": spec.at(150), "toTimestamp": spec.at(210)}).json()[
        "data"
    ]
    assert [r["id"] for r in rows] == ["score-06", "score-05"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "quality"}, 12),
        ({"source": "annotation"}, 8),
        ({"dataType": "numeric"}, 6),
        ({"dataType": "NUMERIC", "valueMin": "0.8", "valueMax": "1.6"}, 3),
        ({"dataType": "BOOLEAN", "value": "true"}, 3),
        ({"dataType": "CATEGORICAL", "value": "bad"}, 6),
        ({"dataType": "CATEGORICAL", "value": "good"}, 0),
        ({"traceId": "trace-00"}, 2),
        ({"traceId": "trace-00", "observationId": "obs-1"}, 1),
        ({"id": "score-01,score-02"}, 2),
        ({"queueId": "queue-1"}, 8),
    ],
)
def test_filters(client, params, expected):
    assert len(all_pages(client, limit=100, **params)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"value": "1"},  # value needs a single dataType
        {"dataType": "TEXT", "value": "x"},
        {"dataType": "NUMERIC,BOOLEAN", "value": "1"},
        {"dataType": "BOOLEAN", "value": "maybe"},
        {"dataType": "BOOLEAN", "valueMin": "0"},
        {"observationId": "obs-1"},  # observation ids are scoped to a trace
        {"traceId": "trace-00", "sessionId": "session-0"},
        {"fromTimestamp": "yesterday"},
    ],
)
def test_invalid_filter_combinations_are_400(client, params):
    assert client.get(PATH, params=params).status_code == 400
