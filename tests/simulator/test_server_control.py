"""The /_sim/ control endpoints: data changes show up in (and vanish from) the public lists at once."""

from __future__ import annotations

import httpx
import pytest

OBSERVATIONS = "/api/public/v2/observations"


def all_observations(client) -> list[dict]:
    rows, cursor = [], None
    while True:
        body = client.get(
            OBSERVATIONS, params={"limit": 1000, **({"cursor": cursor} if cursor else {})}
        ).json()
        rows.extend(body["data"])
        cursor = body["meta"].get("cursor")
        if not cursor:
            return rows


def test_control_endpoints_need_the_same_basic_auth(fresh_sim):
    assert httpx.get(f"{fresh_sim.base_url}/_sim/stats").status_code == 401
    assert httpx.post(f"{fresh_sim.base_url}/_sim/traces", json={"n": 1}).status_code == 401


def test_unknown_control_paths_are_404(fresh_client):
    assert fresh_client.post("/_sim/nothing", json={}).status_code == 404


def test_a_fault_plan_posted_over_http_applies_and_delete_clears_it(fresh_sim, fresh_client):
    plan = {"seed": 1, "scripted": [{"kind": "503", "count": 1, "path": OBSERVATIONS}]}
    assert fresh_client.post("/_sim/faults", json=plan).status_code == 200
    assert fresh_client.get(OBSERVATIONS).status_code == 503
    fresh_client.post("/_sim/faults", json={"scripted": [{"kind": "500", "count": 5}]})
    fresh_client.delete("/_sim/faults")
    assert fresh_client.get(OBSERVATIONS, params={"limit": 1}).status_code == 200
    assert fresh_client.post("/_sim/faults", json={"probabilities": {"teapot": 1}}).status_code == 400


def test_rate_limits_set_over_http(fresh_client):
    fresh_client.post("/_sim/rate-limit", json={"maxRpm": 1})
    assert [fresh_client.get(OBSERVATIONS, params={"limit": 1}).status_code for _ in range(2)] == [200, 429]
    fresh_client.post("/_sim/rate-limit", json={"plan": None})
    assert fresh_client.get(OBSERVATIONS, params={"limit": 1}).status_code == 200
    assert fresh_client.post("/_sim/rate-limit", json={"plan": "platinum"}).status_code == 400


def test_stats_are_served_over_http(fresh_client):
    fresh_client.get(OBSERVATIONS, params={"limit": 1})
    stats = fresh_client.get("/_sim/stats").json()
    assert stats["requests"][f"GET {OBSERVATIONS}"] == {"200": 1}


@pytest.fixture
def data_client(fresh_generated_sim, client_for):
    with client_for(fresh_generated_sim) as client:
        yield client


def test_added_traces_are_visible_in_the_next_list(data_client):
    before = len(all_observations(data_client))
    response = data_client.post("/_sim/traces", json={"n": 2})
    assert response.status_code == 200, response.text
    assert data_client.post("/_sim/settle").json()["applied"] >= 1  # past the ingestion lag
    trace_ids = set(response.json()["traceIds"])
    after = all_observations(data_client)
    assert len(after) > before
    assert trace_ids <= {row["traceId"] for row in after}


def test_a_deleted_trace_disappears_from_the_lists(fresh_generated_sim, data_client):
    trace_id = fresh_generated_sim.store.observations[0]["traceId"]
    response = data_client.post(f"/_sim/traces/{trace_id}/delete")
    assert response.status_code == 200, response.text
    assert response.json()["deleted"] >= 1
    data_client.post("/_sim/settle")
    assert data_client.get(OBSERVATIONS, params={"traceId": trace_id}).json()["data"] == []
    assert data_client.post(f"/_sim/traces/{trace_id}/delete").status_code == 404


def test_an_updated_observation_is_served_with_its_change(fresh_generated_sim, data_client):
    target = fresh_generated_sim.store.observations[0]
    response = data_client.post(
        "/_sim/observations/update",
        json={"traceId": target["traceId"], "id": target["id"], "output": "a new answer"},
    )
    assert response.status_code == 200, response.text
    data_client.post("/_sim/settle")
    rows = data_client.get(OBSERVATIONS, params={"traceId": target["traceId"], "fields": "core,io"}).json()[
        "data"
    ]
    assert next(r for r in rows if r["id"] == target["id"])["output"] == "a new answer"


def test_added_scores_are_visible_in_v3_scores(data_client):
    def count() -> int:
        total, cursor = 0, None
        while True:
            body = data_client.get(
                "/api/public/v3/scores", params={"limit": 100, **({"cursor": cursor} if cursor else {})}
            ).json()
            total += len(body["data"])
            cursor = body["meta"].get("cursor")
            if not cursor:
                return total

    before = count()
    response = data_client.post("/_sim/scores", json={"n": 3})
    assert response.status_code == 200, response.text
    data_client.post("/_sim/settle")
    assert count() == before + 3


def test_in_process_control_mirrors_http(fresh_generated_sim, data_client):
    trace_ids = fresh_generated_sim.add_traces(1)
    fresh_generated_sim.settle()
    rows = data_client.get(OBSERVATIONS, params={"traceId": trace_ids[0]}).json()["data"]
    assert rows and fresh_generated_sim.delete_trace(trace_ids[0]) >= len(rows)
    fresh_generated_sim.settle()
    assert data_client.get(OBSERVATIONS, params={"traceId": trace_ids[0]}).json()["data"] == []


def test_ground_truth_is_served(data_client):
    pytest.importorskip("simulator.truth", reason="the ground-truth export is not written yet")
    truth = data_client.get("/_sim/ground-truth").json()
    assert isinstance(truth, dict) and truth
