"""The offset-paged and small resources: datasets, items, comments, prompts, configs, models, evaluators,
rules, annotation queues, projects, health."""

from __future__ import annotations

import pytest


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["data"]]


def test_offset_pages_carry_totals_and_run_out_with_an_empty_page(client):
    body = client.get("/api/public/score-configs", params={"limit": 1}).json()
    assert body["meta"] == {"page": 1, "limit": 1, "totalItems": 2, "totalPages": 2}
    past_the_end = client.get("/api/public/score-configs", params={"page": 3, "limit": 1}).json()
    assert past_the_end["data"] == []


@pytest.mark.parametrize("path", ["/api/public/v2/datasets", "/api/public/models", "/api/public/comments"])
def test_offset_limit_above_100_is_rejected(client, path):
    assert client.get(path, params={"limit": 101}).status_code == 400


def test_datasets_newest_first_and_by_name(client):
    assert ids(client.get("/api/public/v2/datasets")) == ["dataset-2", "dataset-1"]
    assert client.get("/api/public/v2/datasets/ds-1").json()["id"] == "dataset-1"
    assert client.get("/api/public/v2/datasets/missing").status_code == 404


def test_dataset_items_list_only_active_items_last_edited_first(client):
    assert ids(client.get("/api/public/dataset-items", params={"datasetName": "ds-1"})) == [
        "item-0",
        "item-1",
        "item-3",
    ]
    # The archived item is still readable by id.
    assert client.get("/api/public/dataset-items/item-2").json()["status"] == "ARCHIVED"


def test_dataset_item_version_needs_a_dataset_name(client, spec):
    assert client.get("/api/public/dataset-items", params={"version": spec.at(2)}).status_code == 400
    at_two = client.get("/api/public/dataset-items", params={"version": spec.at(2), "datasetName": "ds-1"})
    assert ids(at_two) == ["item-2", "item-1", "item-0"]


def test_a_versioned_read_sees_the_items_as_they_were_archived_ones_included(client, spec):
    """``version`` is a point in time (valid_from <= version < valid_to): item-2, created at 2 s and
    archived at 98 s, was an ACTIVE item in between; item-3 did not exist yet at 2.5 s."""
    def at(seconds: float) -> list[dict]:
        return client.get("/api/public/dataset-items", params={"version": spec.at(seconds), "datasetName": "ds-1"}).json()["data"]

    then = {row["id"]: row for row in at(2.5)}
    assert set(then) == {"item-0", "item-1", "item-2"}
    assert then["item-2"]["status"] == "ACTIVE"
    assert [row["id"] for row in at(98.5)] == ["item-3", "item-1", "item-0"]  # archived by then; item-3 edited at 97 s
    assert "item-2" in {row["id"] for row in at(97.5)}


def test_comments_are_strict_and_want_an_upper_case_object_type(client):
    assert len(ids(client.get("/api/public/comments"))) == 3
    assert ids(
        client.get("/api/public/comments", params={"objectType": "TRACE", "objectId": "trace-01"})
    ) == ["comment-1"]
    assert client.get("/api/public/comments", params={"objectType": "trace"}).status_code == 400
    assert client.get("/api/public/comments", params={"objectId": "trace-01"}).status_code == 400
    assert client.get("/api/public/comments", params={"orderBy": "createdAt"}).status_code == 400
    assert client.get("/api/public/comments/comment-0").json()["content"] == "c0"


def test_prompt_list_is_prompt_meta_by_name_with_a_pagination_copy(client):
    body = client.get("/api/public/v2/prompts").json()
    assert [p["name"] for p in body["data"]] == ["qa", "summarise"]
    assert body["meta"]["limit"] == 10 and body["pagination"] == body["meta"]
    qa = body["data"][0]
    assert qa["versions"] == [1, 2] and qa["lastConfig"] == {"v": 2}
    assert set(qa) == {"name", "type", "versions", "labels", "tags", "lastUpdatedAt", "lastConfig"}


def test_prompt_meta_is_computed_over_the_versions_that_match(client, spec):
    body = client.get("/api/public/v2/prompts", params={"fromUpdatedAt": spec.at(150)}).json()
    assert [(p["name"], p["versions"]) for p in body["data"]] == [("qa", [2])]
    only_before = client.get("/api/public/v2/prompts", params={"toUpdatedAt": spec.at(200)}).json()
    assert [(p["name"], p["versions"]) for p in only_before["data"]] == [("qa", [1]), ("summarise", [1])]


def test_one_prompt_by_label_defaulting_to_production_or_by_version(client):
    assert client.get("/api/public/v2/prompts/qa").json()["version"] == 2
    assert client.get("/api/public/v2/prompts/qa", params={"version": 1}).json()["version"] == 1
    assert client.get("/api/public/v2/prompts/qa", params={"label": "staging"}).status_code == 404


def test_models_sort_by_name_unit_then_start_date_desc_nulls_last(client):
    assert ids(client.get("/api/public/models")) == ["model-c", "model-b", "model-a"]
    assert client.get("/api/public/models/model-a").json()["modelName"] == "gpt-4o"


def test_evaluators_and_rules_page_newest_first_by_cursor(client):
    first = client.get("/api/public/v2/evaluators", params={"limit": 2}).json()
    assert [r["id"] for r in first["data"]] == ["evaluator-2", "evaluator-1"]
    rest = client.get(
        "/api/public/v2/evaluators", params={"limit": 2, "cursor": first["meta"]["cursor"]}
    ).json()
    assert [r["id"] for r in rest["data"]] == ["evaluator-0"] and rest["meta"] == {}
    assert ids(client.get("/api/public/v2/evaluation-rules")) == ["rule-1", "rule-0"]
    missing = client.get("/api/public/v2/evaluators/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "resource_not_found"
    assert client.get("/api/public/v2/evaluators", params={"limit": 101}).json()["code"] == "invalid_query"


def test_annotation_queues_and_items(client):
    assert ids(client.get("/api/public/annotation-queues")) == ["queue-1"]
    assert ids(client.get("/api/public/annotation-queues/queue-1/items")) == ["qi-2", "qi-1", "qi-0"]
    assert ids(client.get("/api/public/annotation-queues/queue-1/items", params={"status": "COMPLETED"})) == [
        "qi-0"
    ]
    assert client.get("/api/public/annotation-queues/queue-1/items/qi-1").json()["objectId"] == "trace-01"
    assert client.get("/api/public/annotation-queues", params={"foo": "1"}).status_code == 400


def test_projects_returns_the_keys_project(client, sim):
    body = client.get("/api/public/projects").json()
    assert [p["id"] for p in body["data"]] == [sim.store.project_id]


def test_health_needs_no_key(sim, client_for):
    import httpx

    response = httpx.get(f"{sim.base_url}/api/public/health")
    assert response.status_code == 200 and response.json()["status"] == "OK"


def test_not_found_bodies_name_the_error_class(client):
    response = client.get("/api/public/score-configs/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "LangfuseNotFoundError"


def test_names_in_folders_are_found_from_their_percent_encoded_path(fresh_sim, fresh_client):
    fresh_sim.store.prompts.append({**fresh_sim.store.prompts[-1], "name": "folder/qa"})
    fresh_sim.store.bump()
    assert fresh_client.get("/api/public/v2/prompts/folder%2Fqa").json()["name"] == "folder/qa"


def test_comments_come_in_heap_order_an_edited_one_after_the_rest(fresh_sim, fresh_client, spec):
    """No ORDER BY (guide: Postgres order is undefined): rows as last written, so an edit moves a
    comment to the end, across the offsets of a client paging meanwhile."""
    before = ids(fresh_client.get("/api/public/comments"))
    assert before == ["comment-0", "comment-1", "comment-2"]
    with fresh_sim.store.lock:
        fresh_sim.store.comments = [row if row["id"] != "comment-0" else {**row, "updatedAt": spec.at(50)}
                                    for row in fresh_sim.store.comments]
        fresh_sim.store.bump()
    assert ids(fresh_client.get("/api/public/comments")) == ["comment-1", "comment-2", "comment-0"]
