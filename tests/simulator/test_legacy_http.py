"""End to end over HTTP on generated data: a full offset read of each legacy list returns every store row
exactly once, and the metrics agree with sums computed directly from the store."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import quote

import httpx
import orjson
import pytest

from simulator import Simulator, Unkindness

EVERYTHING = {"fromTimestamp": "2000-01-01T00:00:00.000Z", "toTimestamp": "2100-01-01T00:00:00.000Z"}


@pytest.fixture(scope="module")
def legacy() -> Iterator[tuple[Simulator, httpx.Client]]:
    # Exact pages: this module checks what the lists hold; test_unkind.py checks how they move.
    with Simulator(seed=42, traces=40, api="legacy", unkind=Unkindness.kind()) as sim, \
            httpx.Client(base_url=sim.base_url, auth=sim.auth, timeout=10) as http:
        yield sim, http


def read_all(http: httpx.Client, path: str, limit: int = 17, **params) -> list[dict]:
    rows, page = [], 1
    while True:
        answer = http.get(path, params={**params, "page": page, "limit": limit})
        assert answer.status_code == 200, answer.text
        batch = answer.json()["data"]
        if not batch:
            return rows
        rows += batch
        page += 1


@pytest.mark.parametrize(
    ("path", "entity", "key"),
    [
        ("/api/public/traces", "traces", "id"),
        ("/api/public/observations", "observations", "id"),
        ("/api/public/v2/scores", "scores", "id"),
        ("/api/public/sessions", "sessions", "id"),
    ],
)
def test_a_full_offset_read_returns_every_row_once(legacy, path, entity, key):
    sim, http = legacy
    rows = read_all(http, path)
    assert Counter(row[key] for row in rows) == Counter(row[key] for row in getattr(sim.store, entity))


def test_trace_cost_is_the_sum_of_its_observations(legacy):
    sim, http = legacy
    costs: dict[str, Decimal] = defaultdict(Decimal)
    for row in sim.store.observations:
        costs[row["traceId"]] += Decimal(str(row.get("totalCost") or 0))
    for trace in read_all(http, "/api/public/traces", limit=100):
        assert trace["totalCost"] == pytest.approx(float(costs.get(trace["id"], 0)), abs=1e-9)


def test_dataset_runs_cover_the_experiments_with_a_dataset(legacy):
    sim, http = legacy
    runs, items = [], []
    for dataset in sim.store.datasets:
        runs += read_all(http, f"/api/public/datasets/{quote(dataset['name'], safe='')}/runs")
    for run in runs:
        items += read_all(http, "/api/public/dataset-run-items", datasetId=run["datasetId"], runName=run["name"])
    with_dataset = [row["id"] for row in sim.store.experiments if row.get("datasetId")]
    assert sorted(run["id"] for run in runs) == sorted(with_dataset)
    assert sorted(item["id"] for item in items) == sorted(
        row["id"] for row in sim.store.experiment_items if row["experimentId"] in with_dataset
    )


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_metrics_match_direct_sums_over_the_store(version):
    api = "legacy" if version == "v1" else "v4"
    path = "/api/public/metrics" if version == "v1" else "/api/public/v2/metrics"
    with Simulator(seed=42, traces=40, api=api) as sim, httpx.Client(base_url=sim.base_url, auth=sim.auth) as http:
        query = {"view": "observations", **EVERYTHING, "dimensions": [{"field": "type"}],
                 "metrics": [{"measure": "count", "aggregation": "count"}, {"measure": "totalCost", "aggregation": "sum"},
                             {"measure": "totalTokens", "aggregation": "sum"}]}
        answer = http.get(path, params={"query": orjson.dumps(query).decode()})
        assert answer.status_code == 200, answer.text
        got = {row["type"]: row for row in answer.json()["data"]}
        expected: dict[str, list] = defaultdict(lambda: [0, Decimal(0), 0])
        for row in sim.store.observations:
            totals = expected[row["type"]]
            totals[0] += 1
            totals[1] += Decimal(str(row.get("totalCost") or 0))
            totals[2] += int((row.get("usageDetails") or {}).get("total", 0))
        assert set(got) == set(expected)
        for kind, (count, cost, tokens) in expected.items():
            assert int(got[kind]["count_count"]) == count
            assert got[kind]["sum_totalCost"] == pytest.approx(float(cost), abs=1e-12)
            assert int(got[kind]["sum_totalTokens"]) == tokens
