"""/api/public/experiments and /api/public/experiment-items: required window, computed activity, groups."""

from __future__ import annotations

EXPERIMENTS = "/api/public/experiments"
ITEMS = "/api/public/experiment-items"


def test_from_start_time_is_required(client):
    for path in (EXPERIMENTS, ITEMS):
        response = client.get(path)
        assert response.status_code == 400
        assert response.json()["error"][0]["path"] == ["fromStartTime"]


def test_experiment_activity_is_computed_over_the_requested_window(client, spec):
    # Items start daily: exp-a on days 0..3, exp-b on days 0..3 too; keep days 1 and 2 only.
    params = {"fromStartTime": spec.at(86400), "toStartTime": spec.at(3 * 86400)}
    rows = {r["id"]: r for r in client.get(EXPERIMENTS, params=params).json()["data"]}
    assert rows["exp-a"]["itemCount"] == 2
    assert rows["exp-a"]["startTime"] == spec.at(86400)
    assert rows["exp-a"]["endTime"] == spec.at(2 * 86400 + 5)


def test_experiments_are_ordered_by_latest_activity_and_paged_by_cursor(client, spec):
    first = client.get(EXPERIMENTS, params={"fromStartTime": spec.at(0), "limit": 1}).json()
    assert [r["id"] for r in first["data"]] == ["exp-b"]  # exp-b's last item is the latest
    second = client.get(
        EXPERIMENTS, params={"fromStartTime": spec.at(0), "limit": 1, "cursor": first["meta"]["cursor"]}
    ).json()
    assert [r["id"] for r in second["data"]] == ["exp-a"]
    assert second["meta"] == {}


def test_experiment_field_groups_default_to_core(client, spec):
    row = client.get(EXPERIMENTS, params={"fromStartTime": spec.at(0)}).json()["data"][0]
    assert set(row) == {"id", "name", "description", "startTime", "endTime", "itemCount", "datasetId"}
    full = client.get(
        EXPERIMENTS, params={"fromStartTime": spec.at(0), "fields": "core,metadata,scores", "scoreLimit": 1}
    ).json()
    assert full["data"][0]["metadata"] == {"model": "gpt-4o"}
    assert len(full["data"][0]["scores"]) == 1
    assert (
        client.get(EXPERIMENTS, params={"fromStartTime": spec.at(0), "fields": "core,nope"}).status_code
        == 400
    )


def test_experiment_items_default_to_core_and_dataset_groups(client, spec):
    row = client.get(ITEMS, params={"fromStartTime": spec.at(0), "limit": 1}).json()["data"][0]
    assert set(row) == {
        "id",
        "traceId",
        "startTime",
        "endTime",
        "level",
        "environment",
        "experimentId",
        "experimentName",
        "experimentItemId",
        "experimentDatasetId",
        "experimentItemVersion",
    }
    io = client.get(ITEMS, params={"fromStartTime": spec.at(0), "limit": 1, "fields": "io"}).json()["data"][0]
    assert {"input", "output", "expectedOutput"} <= set(io) and "experimentDatasetId" not in io


def test_experiment_items_page_by_time_desc_with_every_item_once(client, sim, spec):
    seen, cursor = [], None
    while True:
        params = {"fromStartTime": spec.at(0), "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get(ITEMS, params=params).json()
        seen.extend(body["data"])
        cursor = body["meta"].get("cursor")
        if not cursor:
            break
    expected = sorted(sim.store.experiment_items, key=lambda r: (r["startTime"], r["id"]), reverse=True)
    assert [r["id"] for r in seen] == [r["id"] for r in expected]


def test_experiment_items_filter_by_experiment_and_bound_the_window(client, spec):
    params = {"fromStartTime": spec.at(0), "toStartTime": spec.at(2 * 86400), "experimentId": "exp-a"}
    rows = client.get(ITEMS, params=params).json()["data"]
    assert [r["id"] for r in rows] == ["run-item-02", "run-item-00"]
    assert client.get(ITEMS, params={"fromStartTime": spec.at(0), "limit": 101}).status_code == 400


def test_the_structured_filter_selects_experiments_and_items(client, spec):
    condition = (
        '[{"type": "stringOptions", "column": "experimentId", "operator": "any of", "value": ["exp-b"]}]'
    )
    rows = client.get(ITEMS, params={"fromStartTime": spec.at(0), "filter": condition}).json()["data"]
    assert {r["experimentId"] for r in rows} == {"exp-b"} and len(rows) == 4
    by_name = '[{"type": "string", "column": "name", "operator": "=", "value": "experiment exp-a"}]'
    assert [
        r["id"]
        for r in client.get(EXPERIMENTS, params={"fromStartTime": spec.at(0), "filter": by_name}).json()[
            "data"
        ]
    ] == ["exp-a"]
    bad = '[{"type": "string", "column": "colour", "operator": "=", "value": "x"}]'
    assert client.get(EXPERIMENTS, params={"fromStartTime": spec.at(0), "filter": bad}).status_code == 400
