"""GET /api/public/v2/observations behaves as Langfuse Cloud's v4 endpoint."""

from __future__ import annotations

import base64

import orjson
import pytest

from simulator.endpoints.keyset import xxhash32
from simulator.endpoints.observations import GROUP_FIELDS

PATH = "/api/public/v2/observations"
ALL_GROUPS = ",".join(GROUP_FIELDS)


def page_through(client, limit: int, **params) -> tuple[list[dict], int]:
    rows, requests, cursor = [], 0, None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get(PATH, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        rows.extend(body["data"])
        requests += 1
        cursor = body["meta"].get("cursor")
        if not cursor:
            return rows, requests


def expected_order(store_rows: list[dict]) -> list[tuple[str, str]]:
    ordered = sorted(
        store_rows,
        key=lambda r: (r["startTime"], xxhash32(r["traceId"].encode()), r["id"]),
        reverse=True,
    )
    return [(r["traceId"], r["id"]) for r in ordered]


def test_xxhash32_matches_the_reference_vectors():
    assert xxhash32(b"") == 0x02CC5D05
    assert xxhash32(b"abc") == 0x32D153FF
    assert xxhash32(b"Nobody inspects the spammish repetition") == 0xE2293B2F


def test_paging_returns_every_row_once_in_the_three_key_order_even_across_start_time_ties(client, sim):
    # 30 observations share one start time; a page size of 7 cuts through the tie several times.
    rows, requests = page_through(client, limit=7)
    keys = [(r["traceId"], r["id"]) for r in rows]
    assert keys == expected_order(sim.store.observations)
    assert len(set(keys)) == len(sim.store.observations)
    assert requests == -(-len(sim.store.observations) // 7)


def test_the_cursor_is_base64_json_of_the_last_rows_keys_and_absent_on_the_last_page(client):
    first = client.get(PATH, params={"limit": 2}).json()
    payload = orjson.loads(base64.urlsafe_b64decode(first["meta"]["cursor"] + "=="))
    last = first["data"][-1]
    assert payload == {
        "lastStartTimeTo": last["startTime"],
        "lastTraceId": last["traceId"],
        "lastId": last["id"],
    }
    everything = client.get(PATH, params={"limit": 1000}).json()
    assert everything["meta"] == {}


def test_default_limit_is_50_and_above_1000_is_rejected_not_clamped(client):
    assert len(client.get(PATH).json()["data"]) == 50
    assert client.get(PATH, params={"limit": 1000}).status_code == 200
    response = client.get(PATH, params={"limit": 1001})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request data"


def test_from_start_time_is_inclusive_and_to_start_time_exclusive(client, spec):
    at = spec.at
    # trace-07's observations start at 7*60 + index seconds.
    params = {"fromStartTime": at(421), "toStartTime": at(423), "limit": 100}
    rows = client.get(PATH, params=params).json()["data"]
    assert [(r["traceId"], r["startTime"]) for r in rows] == [("trace-07", at(422)), ("trace-07", at(421))]


def test_a_date_without_a_zone_is_rejected(client):
    assert client.get(PATH, params={"fromStartTime": "2026-11-01T10:00:00"}).status_code == 400
    assert client.get(PATH, params={"fromStartTime": "2026-11-01"}).status_code == 400


def test_without_fields_core_and_basic_come_back_plus_the_pass_through_fields(client):
    row = client.get(PATH, params={"limit": 1}).json()["data"][0]
    expected = set(GROUP_FIELDS["core"]) | set(GROUP_FIELDS["basic"])
    expected |= {"latency", "timeToFirstToken", "modelId", "inputPrice", "outputPrice", "totalPrice"}
    assert set(row) == expected
    assert row["latency"] == 1.5
    assert row["timeToFirstToken"] is None and row["modelId"] is None and row["inputPrice"] is None


def test_time_to_first_token_and_prices_appear_only_with_their_groups(client):
    query = {"traceId": "trace-08", "type": "GENERATION"}
    bare = client.get(PATH, params={**query, "fields": "core"}).json()["data"][0]
    assert bare["timeToFirstToken"] is None and bare["inputPrice"] is None
    timed = client.get(PATH, params={**query, "fields": "core,metrics,model"}).json()["data"][0]
    assert timed["timeToFirstToken"] == 0.25
    assert timed["inputPrice"] == "0.0000025" and timed["modelId"] == "model-gpt-4o"


def test_the_model_group_uses_the_model_key_not_provided_model_name(client):
    row = client.get(
        PATH, params={"traceId": "trace-08", "type": "GENERATION", "fields": "core,model"}
    ).json()["data"][0]
    assert row["model"] == "gpt-4o"
    assert "providedModelName" not in row
    assert "usageDetails" not in row


def test_all_groups_return_the_canonical_row_with_io_as_raw_strings(client, sim):
    rows = client.get(PATH, params={"traceId": "trace-08", "fields": ALL_GROUPS}).json()["data"]
    generation = next(r for r in rows if r["type"] == "GENERATION")
    canonical = next(
        o for o in sim.store.observations if o["traceId"] == "trace-08" and o["id"] == generation["id"]
    )
    assert set(generation) == set(canonical)
    assert generation["input"] == '{"question":"q8-1"}'  # a JSON string, not a parsed object
    assert isinstance(generation["input"], str)


def test_metadata_values_are_cut_to_200_characters_unless_expanded(client, spec):
    LONG_TEXT = spec.LONG_TEXT
    params = {"traceId": "trace-08", "fields": "core,metadata", "limit": 1}
    metadata = client.get(PATH, params=params).json()["data"][0]["metadata"]
    assert metadata["long"] == LONG_TEXT[:200]
    assert metadata["short"] == "ok" and metadata["n"] == 3
    # A long object value is cut in its JSON text and no longer parses: it stays a string.
    assert isinstance(metadata["nested"], str) and len(metadata["nested"]) == 200
    expanded = client.get(PATH, params={**params, "expandMetadata": "long,nested"}).json()["data"][0][
        "metadata"
    ]
    assert expanded["long"] == LONG_TEXT
    assert expanded["nested"] == {"blob": "y" * 250}


def test_parse_io_as_json_true_is_rejected(client):
    assert client.get(PATH, params={"parseIoAsJson": "true"}).status_code == 400
    assert client.get(PATH, params={"parseIoAsJson": "false", "limit": 1}).status_code == 200


@pytest.mark.parametrize(
    "cursor", ["%%%", "bm90IGpzb24", base64.urlsafe_b64encode(b'{"lastId": 1}').decode()]
)
def test_a_malformed_cursor_is_a_400(client, cursor):
    response = client.get(PATH, params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid cursor format"


@pytest.mark.parametrize(
    ("params", "expected_count"),
    [
        ({"traceId": "trace-03"}, 5),
        ({"type": "GENERATION"}, 12),
        ({"name": "step-2"}, 12),
        ({"level": "ERROR"}, 1),
        ({"userId": "user-1"}, 15),
        ({"sessionId": "session-0"}, 15),
        ({"environment": "staging"}, 20),
        ({"environment": ["staging", "production"]}, 60),
        ({"environment": "staging,production"}, 60),
        ({"version": "v1"}, 60),
        ({"parentObservationId": ""}, 12),
        ({"parentObservationId": "obs-0"}, 48),
        ({"isRootObservation": "true"}, 12),
        ({"traceId": "trace-03", "type": "SPAN"}, 4),
    ],
)
def test_simple_filters(client, params, expected_count):
    rows, _ = page_through(client, limit=1000, **params)
    assert len(rows) == expected_count


def test_filtered_paging_keeps_the_order_and_splits_ties(client, sim, spec):
    rows, _ = page_through(client, limit=4, type="SPAN", toStartTime=spec.at(1))
    tied_spans = [
        o for o in sim.store.observations if o["type"] == "SPAN" and int(o["traceId"][-2:]) < spec.TIED_TRACES
    ]
    assert [(r["traceId"], r["id"]) for r in rows] == expected_order(tied_spans)


def test_the_structured_filter_combines_with_simple_filters_on_other_columns(client):
    conditions = orjson.dumps(
        [{"type": "string", "column": "type", "operator": "=", "value": "GENERATION"}]
    ).decode()
    rows, _ = page_through(client, limit=1000, filter=conditions, traceId="trace-03")
    assert [(r["traceId"], r["type"]) for r in rows] == [("trace-03", "GENERATION")]


def test_the_structured_filter_replaces_the_simple_filter_on_its_own_column(client):
    conditions = orjson.dumps(
        [{"type": "stringOptions", "column": "type", "operator": "any of", "value": ["SPAN"]}]
    )
    rows, _ = page_through(client, limit=1000, filter=conditions.decode(), type="GENERATION")
    assert {r["type"] for r in rows} == {"SPAN"} and len(rows) == 48


@pytest.mark.parametrize(
    ("condition", "expected_count"),
    [
        ({"type": "number", "column": "totalTokens", "operator": ">=", "value": 15}, 12),
        ({"type": "stringObject", "column": "metadata", "key": "short", "operator": "=", "value": "ok"}, 60),
        ({"type": "arrayOptions", "column": "traceTags", "operator": "all of", "value": ["demo"]}, 60),
        ({"type": "null", "column": "parentObservationId", "operator": "is null"}, 12),
        (
            {"type": "datetime", "column": "startTime", "operator": ">", "value": "2026-11-01T10:11:00.000Z"},
            4,
        ),
    ],
)
def test_structured_filter_types(client, condition, expected_count):
    rows, _ = page_through(client, limit=1000, filter=orjson.dumps([condition]).decode())
    assert len(rows) == expected_count


def test_a_structured_filter_on_an_unknown_column_is_a_400(client):
    condition = [{"type": "string", "column": "colour", "operator": "=", "value": "red"}]
    assert client.get(PATH, params={"filter": orjson.dumps(condition).decode()}).status_code == 400
    assert client.get(PATH, params={"filter": "not json"}).status_code == 400
