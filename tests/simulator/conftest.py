"""Simulator fixtures: one server per test session on a free port, over a small hand-built store whose
edge cases (start-time ties across pages, long metadata, archived items...) the tests rely on.

Tests that change data, faults or rate limits start their own short-lived server (``fresh_sim``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import orjson
import pytest

from simulator import Simulator
from simulator.endpoints.base import iso_ms
from simulator.store import Store

T0 = datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC)
PROJECT = "proj-test"
LONG_TEXT = "x" * 300
TIED_TRACES = 6  # traces 0..5 all start at T0 exactly: their observations tie on start time


def at(offset_seconds: float) -> str:
    return iso_ms(T0 + timedelta(seconds=offset_seconds))


def _observation(trace: int, index: int) -> dict:
    trace_id = f"trace-{trace:02d}"
    start = 0.0 if trace < TIED_TRACES else trace * 60 + index
    generation = index == 1
    return {
        "id": f"obs-{index}",  # ids repeat across traces: unique only within a trace, as in v4
        "traceId": trace_id,
        "startTime": at(start),
        "endTime": at(start + 1.5),
        "projectId": PROJECT,
        "parentObservationId": None if index == 0 else "obs-0",
        "type": "GENERATION" if generation else "SPAN",
        "isRootObservation": index == 0,
        "name": f"step-{index}",
        "level": "ERROR" if (trace, index) == (7, 2) else "DEFAULT",
        "statusMessage": None,
        "version": "v1",
        "environment": "production" if trace % 3 else "staging",
        "bookmarked": False,
        "public": False,
        "userId": f"user-{trace % 4}",
        "sessionId": f"session-{trace % 5}",
        "completionStartTime": at(start + 0.25) if generation else None,
        "createdAt": at(start + 2),
        "updatedAt": at(start + 3),
        "input": orjson.dumps({"question": f"q{trace}-{index}"}).decode()
        if generation
        else "plain text input",
        "output": "an answer" if generation else None,
        "metadata": {"short": "ok", "long": LONG_TEXT, "nested": {"blob": "y" * 250}, "n": 3},
        "model": "gpt-4o" if generation else None,
        "internalModelId": "model-gpt-4o" if generation else None,
        "modelParameters": {"temperature": 0.2} if generation else None,
        "usageDetails": {"input": 10, "output": 5, "total": 15} if generation else {},
        "costDetails": {"input": 0.001, "output": 0.002, "total": 0.003} if generation else {},
        "totalCost": 0.003 if generation else 0,
        "usagePricingTierName": "Standard" if generation else None,
        "inputUsage": 10 if generation else 0,
        "outputUsage": 5 if generation else 0,
        "totalUsage": 15 if generation else 0,
        "inputCost": 0.001 if generation else 0,
        "outputCost": 0.002 if generation else 0,
        "promptId": "prompt-1" if generation else None,
        "promptName": "qa" if generation else None,
        "promptVersion": 1 if generation else None,
        "latency": 1.5,
        "timeToFirstToken": 0.25 if generation else None,
        "modelId": "model-gpt-4o" if generation else None,
        "inputPrice": "0.0000025" if generation else None,
        "outputPrice": "0.00001" if generation else None,
        "totalPrice": None,
        "traceName": f"trace-name-{trace}",
        "tags": ["demo"],
        "release": "1.0.0",
    }


def _score(i: int) -> dict:
    kinds = ["NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT"]
    data_type = kinds[i % 4]
    value = {
        "NUMERIC": i / 10,
        "BOOLEAN": i % 8 == 1,
        "CATEGORICAL": "good" if i % 2 else "bad",
        "TEXT": f"note {i}",
    }[data_type]
    trace_id = f"trace-{i % 12:02d}"
    subject = (
        {"kind": "observation", "id": "obs-1", "traceId": trace_id}
        if i % 5 == 0
        else {"kind": "trace", "id": trace_id}
    )
    stamp = at(0) if i < 4 else at(i * 30)  # the first four share a timestamp
    return {
        "id": f"score-{i:02d}",
        "projectId": PROJECT,
        "name": "quality" if i % 2 else "helpfulness",
        "value": value,
        "dataType": data_type,
        "source": "ANNOTATION" if i % 3 == 0 else "API",
        "timestamp": stamp,
        "environment": "production",
        "createdAt": stamp,
        "updatedAt": stamp,
        "comment": f"comment {i}",
        "configId": "config-1" if data_type == "NUMERIC" else None,
        "metadata": {"run": i},
        "authorUserId": "user-annotator" if i % 3 == 0 else None,
        "queueId": "queue-1" if i % 3 == 0 else None,
        "subject": subject,
    }


def _experiment_item(i: int) -> dict:
    experiment = "exp-a" if i % 2 == 0 else "exp-b"
    start = at(86400 * (i // 2))  # one item per experiment per day
    return {
        "id": f"run-item-{i:02d}",
        "traceId": f"trace-{i:02d}",
        "startTime": start,
        "endTime": at(86400 * (i // 2) + 5),
        "level": "DEFAULT",
        "environment": "production",
        "experimentId": experiment,
        "experimentName": f"experiment {experiment}",
        "experimentItemId": f"item-{i % 3}",
        "experimentDatasetId": "dataset-1",
        "experimentItemVersion": at(-3600),
        "input": {"q": i},
        "output": {"a": i},
        "expectedOutput": {"a": i},
        "metadata": {"i": i},
        "experimentItemMetadata": {"difficulty": "easy"},
        "experimentMetadata": {"model": "gpt-4o"},
        "experimentDescription": "nightly",
        "scores": [_score(i)],
    }


def build_store() -> Store:
    """The deterministic spec store: 12 traces x 5 observations, 24 scores, 2 experiments, catalog rows."""
    store = Store(project_id=PROJECT, project_name="test project")
    store.observations = [_observation(trace, index) for trace in range(12) for index in range(5)]
    store.scores = [_score(i) for i in range(24)]
    store.experiment_items = [_experiment_item(i) for i in range(8)]
    store.experiments = [
        {
            "id": eid,
            "name": f"experiment {eid}",
            "description": "nightly",
            "startTime": at(0),
            "endTime": at(4 * 86400),
            "itemCount": 4,
            "datasetId": "dataset-1",
            "metadata": {"model": "gpt-4o"},
            "scores": [_score(1), _score(2)],
        }
        for eid in ("exp-a", "exp-b")
    ]
    store.datasets = [
        {
            "id": f"dataset-{i}",
            "name": f"ds-{i}",
            "description": None,
            "metadata": {},
            "inputSchema": None,
            "expectedOutputSchema": None,
            "projectId": PROJECT,
            "createdAt": at(i * 10),
            "updatedAt": at(i * 10),
        }
        for i in (1, 2)
    ]
    store.dataset_items = [
        {
            "id": f"item-{i}",
            "status": "ARCHIVED" if i == 2 else "ACTIVE",
            "input": {"q": i},
            "expectedOutput": {"a": i},
            "metadata": {},
            "sourceTraceId": None,
            "sourceObservationId": None,
            "datasetId": "dataset-1",
            "datasetName": "ds-1",
            "createdAt": at(i),
            "updatedAt": at(100 - i),
        }
        for i in range(4)
    ]
    store.comments = [
        {
            "id": f"comment-{i}",
            "projectId": PROJECT,
            "createdAt": at(i),
            "updatedAt": at(i),
            "objectType": "TRACE" if i < 2 else "OBSERVATION",
            "objectId": f"trace-0{i}",
            "content": f"c{i}",
            "authorUserId": "u1",
        }
        for i in range(3)
    ]
    store.prompts = [
        {
            "name": name,
            "version": version,
            "type": "text",
            "prompt": f"{name} v{version}",
            "config": {"v": version},
            "labels": (["production", "latest"] if version == 2 else []) if name == "qa" else ["production"],
            "tags": ["demo"],
            "createdAt": at(version * 100),
            "updatedAt": at(version * 100),
            "commitMessage": None,
        }
        for name, version in (("qa", 1), ("qa", 2), ("summarise", 1))
    ]
    store.score_configs = [
        {
            "id": f"config-{i}",
            "name": f"cfg{i}",
            "createdAt": at(i),
            "updatedAt": at(i),
            "projectId": PROJECT,
            "dataType": "NUMERIC",
            "isArchived": False,
            "minValue": 0,
            "maxValue": 1,
            "description": None,
        }
        for i in (1, 2)
    ]
    store.models = [
        {
            "id": "model-a",
            "modelName": "gpt-4o",
            "matchPattern": "gpt-4o",
            "startDate": None,
            "unit": "TOKENS",
            "isLangfuseManaged": True,
            "createdAt": at(0),
            "prices": {},
        },
        {
            "id": "model-b",
            "modelName": "gpt-4o",
            "matchPattern": "gpt-4o",
            "startDate": at(50),
            "unit": "TOKENS",
            "isLangfuseManaged": False,
            "createdAt": at(1),
            "prices": {},
        },
        {
            "id": "model-c",
            "modelName": "claude",
            "matchPattern": "claude",
            "startDate": None,
            "unit": "TOKENS",
            "isLangfuseManaged": True,
            "createdAt": at(2),
            "prices": {},
        },
    ]
    store.evaluators = [
        {"id": f"evaluator-{i}", "name": f"judge {i}", "createdAt": at(i), "updatedAt": at(i)}
        for i in range(3)
    ]
    store.evaluation_rules = [
        {"id": f"rule-{i}", "name": f"rule {i}", "createdAt": at(i), "updatedAt": at(i)} for i in range(2)
    ]
    store.annotation_queues = [
        {
            "id": "queue-1",
            "name": "review",
            "description": None,
            "scoreConfigIds": ["config-1"],
            "createdAt": at(0),
            "updatedAt": at(0),
        }
    ]
    store.annotation_queue_items = [
        {
            "id": f"qi-{i}",
            "queueId": "queue-1",
            "objectId": f"trace-0{i}",
            "objectType": "TRACE",
            "status": "COMPLETED" if i == 0 else "PENDING",
            "completedAt": None,
            "createdAt": at(i),
            "updatedAt": at(i),
        }
        for i in range(3)
    ]
    return store


@pytest.fixture(scope="session")
def sim() -> Iterator[Simulator]:
    """One v4 simulator over the spec store for the whole session: tests must not change it."""
    with Simulator(store=build_store()) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def generated_sim() -> Iterator[Simulator]:
    """A v4 simulator over the generator's data (seed 42, 40 traces); skipped until the generator exists."""
    pytest.importorskip("simulator.generator", reason="the data generator is not written yet")
    # These tests check what the API serves (shapes, SDK models, spec schemas), not how a client gets
    # through Langfuse's response-size cap (tests/sync/test_unkind_api.py): pages are served whole.
    with Simulator(seed=42, traces=40, unkind={"response_cap_bytes": None}) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def legacy_sim() -> Iterator[Simulator]:
    with Simulator(store=build_store(), api="legacy") as simulator:
        yield simulator


@pytest.fixture
def fresh_sim() -> Iterator[Simulator]:
    """A private simulator for tests that change data, faults or limits."""
    with Simulator(store=build_store()) as simulator:
        yield simulator


@pytest.fixture
def fresh_generated_sim() -> Iterator[Simulator]:
    """A private simulator over a small generated store (the mutation helpers need its full shape)."""
    pytest.importorskip("simulator.mutations", reason="the generator's mutation helpers are not written yet")
    with Simulator(seed=7, traces=12) as simulator:
        yield simulator


def make_client(simulator: Simulator, **kwargs) -> httpx.Client:
    return httpx.Client(base_url=simulator.base_url, auth=simulator.auth, timeout=10, **kwargs)


@pytest.fixture(scope="session")
def spec() -> SimpleNamespace:
    """The spec store's constants and helpers (a fixture: test modules never import conftest)."""
    return SimpleNamespace(
        at=at, T0=T0, LONG_TEXT=LONG_TEXT, TIED_TRACES=TIED_TRACES, build_store=build_store
    )


@pytest.fixture(scope="session")
def client_for():
    """``client_for(sim, **httpx_kwargs)``: an httpx.Client with the simulator's keys (close it)."""
    return make_client


@pytest.fixture(scope="session")
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with make_client(sim) as http:
        yield http


@pytest.fixture
def fresh_client(fresh_sim: Simulator) -> Iterator[httpx.Client]:
    with make_client(fresh_sim) as http:
        yield http
