"""Injected faults: each kind as a client sees it, scripted per path or drawn from a seeded plan."""

from __future__ import annotations

import time

import httpx
import orjson
import pytest

from simulator.faults import FaultPlan

PATH = "/api/public/v2/observations"


@pytest.mark.parametrize(
    ("kind", "status", "body_check"),
    [
        ("500", 500, lambda r: r.json()["message"] == "Internal Server Error"),
        ("502", 502, lambda r: r.json() == {"message": "Bad Gateway"}),
        ("503", 503, lambda r: r.json() == {"message": "Service Unavailable"}),
        ("422", 422, lambda r: r.json()["error"] == "Request timed out"),
        ("html_502", 502, lambda r: r.headers["content-type"].startswith("text/html") and "<html>" in r.text),
        ("404", 404, lambda r: r.json()["error"] == "LangfuseNotFoundError"),
        ("403", 403, lambda r: "insufficient permissions" in r.json()["message"]),
    ],
)
def test_status_faults_answer_langfuses_bodies_then_the_path_recovers(
    fresh_sim, fresh_client, kind, status, body_check
):
    fresh_sim.faults.script(kind, count=1, path=PATH)
    failed = fresh_client.get(PATH, params={"limit": 1})
    assert failed.status_code == status and body_check(failed)
    assert fresh_client.get(PATH, params={"limit": 1}).status_code == 200
    assert fresh_sim.stats["faults"] == {kind: 1}


def test_an_injected_429_carries_retry_after_and_the_rate_limit_headers(fresh_sim, fresh_client):
    fresh_sim.faults = FaultPlan(retry_after=3)
    fresh_sim.faults.script("429", path=PATH)
    response = fresh_client.get(PATH)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(response.headers)
    body = response.json()
    assert body["code"] == "rate_limited" and body["details"]["retryAfterSeconds"] == 3


def test_scripted_faults_only_hit_their_path(fresh_sim, fresh_client):
    fresh_sim.faults.script("500", count=2, path=PATH)
    assert fresh_client.get("/api/public/v3/scores").status_code == 200
    assert [fresh_client.get(PATH).status_code for _ in range(3)] == [500, 500, 200]


def test_slow_responses_add_latency_but_answer_normally(fresh_sim, fresh_client):
    fresh_sim.faults = FaultPlan(slow_ms=300)
    fresh_sim.faults.script("slow", path=PATH)
    started = time.perf_counter()
    response = fresh_client.get(PATH, params={"limit": 1})
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.3


@pytest.mark.parametrize("kind", ["drop", "drop_mid_body", "truncated"])
def test_dropped_and_truncated_responses_are_transport_errors(fresh_sim, fresh_client, kind):
    fresh_sim.faults.script(kind, path=PATH)
    with pytest.raises(httpx.TransportError):
        fresh_client.get(PATH, params={"limit": 20})
    assert fresh_client.get(PATH, params={"limit": 1}).status_code == 200  # a new connection works


def test_malformed_json_is_a_200_whose_body_does_not_parse(fresh_sim, fresh_client):
    fresh_sim.faults.script("malformed_json", path=PATH)
    response = fresh_client.get(PATH, params={"limit": 5})
    assert response.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(response.content)


def test_a_wrong_content_type_labels_the_json_as_html(fresh_sim, fresh_client):
    fresh_sim.faults.script("wrong_content_type", path=PATH)
    response = fresh_client.get(PATH, params={"limit": 1})
    assert response.headers["content-type"].startswith("text/html")
    assert orjson.loads(response.content)["data"]


def test_probabilistic_faults_replay_identically_from_the_same_seed():
    def draws(seed: int) -> list[str | None]:
        plan = FaultPlan(seed=seed, probabilities={"500": 0.2, "slow": 0.1})
        return [getattr(plan.decide("GET", PATH), "kind", None) for _ in range(200)]

    first = draws(7)
    assert first == draws(7) and first != draws(8)
    assert 20 <= first.count("500") <= 60  # about 20 %


def test_unknown_fault_kinds_are_refused():
    with pytest.raises(ValueError):
        FaultPlan(probabilities={"teapot": 0.1})


def test_a_fault_for_always_holds_on_its_path_until_the_plan_is_cleared(fresh_sim, fresh_client):
    fresh_sim.faults.always("404", path="/api/public/v2/evaluators")
    for _ in range(3):
        assert fresh_client.get("/api/public/v2/evaluators").status_code == 404
    assert fresh_client.get(PATH, params={"limit": 1}).status_code == 200
    fresh_sim.faults.clear()
    assert fresh_client.get("/api/public/v2/evaluators").status_code == 200
