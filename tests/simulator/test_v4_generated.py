"""The v4 endpoints over the generator's data, checked against the store and the SDK's typed models."""

from __future__ import annotations

import pytest

from simulator.endpoints.observations import GROUP_FIELDS, cut_metadata

pytest.importorskip("simulator.generator", reason="the data generator is not written yet")

ALL_FIELDS = ",".join(GROUP_FIELDS)


@pytest.fixture(scope="module")
def generated(generated_sim):
    return generated_sim


@pytest.fixture(scope="module")
def http(generated_sim, client_for):
    with client_for(generated_sim) as client:
        yield client


def cursor_pages(http, path: str, limit: int, **params):
    cursor = None
    while True:
        body = http.get(
            path, params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        ).json()
        yield body
        cursor = body["meta"].get("cursor")
        if not cursor:
            return


def test_every_generated_observation_is_served_once_and_equals_its_canonical_row(generated, http):
    served = [
        row
        for page in cursor_pages(http, "/api/public/v2/observations", 97, fields=ALL_FIELDS)
        for row in page["data"]
    ]
    canonical = {(o["traceId"], o["id"]): o for o in generated.store.observations}
    assert len(served) == len(canonical) == len({(r["traceId"], r["id"]) for r in served})
    for row in served:
        expected = dict(canonical[(row["traceId"], row["id"])])
        expected["metadata"] = cut_metadata(expected.get("metadata"))
        assert row == expected


def test_generated_pages_parse_with_the_sdks_models(http):
    from langfuse.api.core.pydantic_utilities import parse_obj_as
    from langfuse.api.experiments.types import ExperimentItemsResponse, ExperimentsResponse
    from langfuse.api.observations.types import ObservationsV2Response
    from langfuse.api.scores.types import GetScoresV3Response

    observations = http.get("/api/public/v2/observations", params={"limit": 200, "fields": ALL_FIELDS}).json()
    parse_obj_as(ObservationsV2Response, observations)
    scores = http.get(
        "/api/public/v3/scores", params={"limit": 100, "fields": "details,subject,annotation"}
    ).json()
    parse_obj_as(GetScoresV3Response, scores)
    window = {"fromStartTime": "2000-01-01T00:00:00Z", "fields": "core,metadata,scores"}
    parse_obj_as(ExperimentsResponse, http.get("/api/public/experiments", params=window).json())
    items = {"fromStartTime": "2000-01-01T00:00:00Z", "fields": "core,dataset,io,metadata,scores"}
    parse_obj_as(ExperimentItemsResponse, http.get("/api/public/experiment-items", params=items).json())


def test_every_generated_score_is_served_once(generated, http):
    served = [row["id"] for page in cursor_pages(http, "/api/public/v3/scores", 100) for row in page["data"]]
    assert sorted(served) == sorted(score["id"] for score in generated.store.scores)


@pytest.mark.parametrize(
    "path",
    [
        "/api/public/v2/datasets",
        "/api/public/dataset-items",
        "/api/public/comments",
        "/api/public/v2/prompts",
        "/api/public/score-configs",
        "/api/public/models",
        "/api/public/annotation-queues",
    ],
)
def test_offset_paged_resources_answer_over_generated_data(http, path):
    response = http.get(path)
    assert response.status_code == 200, response.text
    assert "totalItems" in response.json()["meta"]


def test_the_specs_unstable_evaluators_and_rules_describe_the_same_rows_as_v2(generated, http):
    """/unstable pages by page/limit in HEAD's orders and resolves what v2 leaves to the client: the
    evaluator's rule count, a rule's evaluator, target, effective status and mapping."""
    pages = [http.get("/api/public/unstable/evaluators", params={"page": p, "limit": 3}).json() for p in (1, 2)]
    evaluators = [row for page in pages for row in page["data"]]
    assert pages[0]["meta"] == {"page": 1, "limit": 3, "totalItems": 4, "totalPages": 2}
    assert [e["name"] for e in evaluators] == sorted(e["name"] for e in generated.store.evaluators)
    v2 = {row["id"]: row for row in generated.store.evaluators}
    for evaluator in evaluators:
        assert evaluator["evaluationRuleCount"] == len(v2[evaluator["id"]]["evaluationRuleAssignments"])
    rules = http.get("/api/public/unstable/evaluation-rules").json()["data"]
    assert [r["createdAt"] for r in rules] == sorted((r["createdAt"] for r in rules), reverse=True)
    by_name = {rule["name"]: rule for rule in rules}
    judged = by_name["Judge production generations"]
    assert judged["evaluator"] == judged["evaluators"][0]["evaluator"]
    assert judged["evaluator"]["name"] == "Helpfulness judge" and judged["target"] == "observation"
    # evaluators[0] has no override: the effective mapping is the evaluator's default.
    assert judged["mapping"] == v2[judged["evaluator"]["id"]]["variableMapping"]
    assert by_name["Experiment accuracy"]["target"] == "experiment"
    assert by_name["Tone on web chats (disabled)"]["status"] == "inactive"
    missing = http.get("/api/public/unstable/evaluation-rules/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "resource_not_found"


def test_metadata_is_served_as_langfuse_stores_it_strings_parsed_and_long_objects_cut(generated, http):
    """Metadata is stored as strings: the API parses each value that parses ("2" is served as 2) and cuts
    each to 200 characters, so an object longer than that arrives as a string, a type change per row."""
    served = {}
    cursor = None
    while True:
        page = http.get("/api/public/v2/observations",
                        params={"fields": "core,metadata", "limit": 1000, **({"cursor": cursor} if cursor else {})}).json()
        served |= {(row["traceId"], row["id"]): row["metadata"] for row in page["data"]}
        if not (cursor := page["meta"].get("cursor")):
            break
    attempts = [(o, served[(o["traceId"], o["id"])]) for o in generated.store.observations
                if "attempt" in (o.get("metadata") or {})]
    assert {o["metadata"]["attempt"] for o, _ in attempts} == {"1", "2"}
    assert all(metadata["attempt"] == int(o["metadata"]["attempt"]) for o, metadata in attempts)
    requests = [(o, served[(o["traceId"], o["id"])]) for o in generated.store.observations
                if isinstance((o.get("metadata") or {}).get("request"), dict)]
    assert requests
    for _, metadata in requests:
        assert isinstance(metadata["request"], str) and len(metadata["request"]) == 200
        assert metadata["request"].startswith('{"http":{')
    assert all(isinstance(metadata["app"], dict) for o, metadata in requests)  # short objects stay objects
