"""Mutations of a live store (late data, updates, hard deletes) and the ground-truth export."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime

import pytest

from simulator import mutations
from simulator.gen_common import iso_ms, now_ms, parse_iso_ms
from simulator.generator import generate
from simulator.truth import ENTITY_FIELDS, export_ground_truth

OLD = datetime(2026, 11, 3, 12, 0, 0, 250000, tzinfo=UTC)


@pytest.fixture
def store():
    return generate(traces=60)


def observations_of(store, trace_id):
    return [row for row in store.observations if row["traceId"] == trace_id]


# ----- add_traces -------------------------------------------------------------------------------------
def test_added_traces_are_late_data_at_the_given_time_ingested_now(store):
    before_version, before_traces = store.version, len(store.traces)
    started = now_ms()
    ids = mutations.add_traces(store, 3, at=OLD, seed=1)
    assert len(ids) == 3 and len(store.traces) == before_traces + 3 and store.version == before_version + 1
    for trace_id in ids:
        rows = observations_of(store, trace_id)
        assert len(rows) >= 4
        root = next(row for row in rows if row["isRootObservation"])
        assert root["startTime"] == iso_ms(int(OLD.timestamp() * 1000))
        for row in rows:
            assert row["startTime"] >= root["startTime"]
            assert started <= parse_iso_ms(row["createdAt"]) == parse_iso_ms(row["updatedAt"]) <= now_ms()
    assert {row["id"] for row in store.traces[-3:]} == set(ids)


def test_added_traces_default_to_now(store):
    started = now_ms()
    (trace_id,) = mutations.add_traces(store, 1)
    root = next(row for row in observations_of(store, trace_id) if row["isRootObservation"])
    assert started <= parse_iso_ms(root["startTime"]) <= now_ms()


def test_same_start_time_gives_every_new_observation_one_start_time(store):
    ids = set(mutations.add_traces(store, 130, at=OLD, same_start_time=True, seed=3))
    rows = [row for row in store.observations if row["traceId"] in ids]
    assert len(rows) > 1000, "enough rows to span several pages of 1000"
    assert {row["startTime"] for row in rows} == {iso_ms(int(OLD.timestamp() * 1000))}
    assert all(row["endTime"] is None or row["endTime"] >= row["startTime"] for row in rows)


def test_a_seed_makes_added_traces_reproducible():
    first, second = generate(traces=20), generate(traces=20)
    mutations.add_traces(first, 2, at=OLD, seed=9)
    mutations.add_traces(second, 2, at=OLD, seed=9)

    def content(store):
        return [
            {k: v for k, v in row.items() if k not in ("createdAt", "updatedAt")}
            for row in store.observations
        ]

    assert content(first) == content(second)


# ----- update_observation -------------------------------------------------------------------------------
def test_late_end_time_and_usage_recompute_latency_and_cost(store):
    generation = next(
        row for row in store.observations if row["type"] == "GENERATION" and row["internalModelId"]
    )
    old_snapshot = dict(generation)
    end = datetime.fromisoformat(generation["startTime"].replace("Z", "+00:00")).timestamp() + 4.5
    row = mutations.update_observation(
        store,
        generation["traceId"],
        generation["id"],
        endTime=iso_ms(int(end * 1000)),
        usageDetails={"input": 1000, "output": 200},
        output={"role": "assistant", "content": "late answer"},
    )
    assert row["latency"] == 4.5
    assert row["usageDetails"] == {"input": 1000, "output": 200, "total": 1200}
    model = next(m for m in store.models if m["id"] == row["internalModelId"])
    prices = next(t for t in model["pricingTiers"] if t["isDefault"])["prices"]
    assert math.isclose(row["costDetails"]["input"], 1000 * prices["input"])
    assert math.isclose(row["totalCost"], 1000 * prices["input"] + 200 * prices["output"])
    assert row["inputUsage"] == 1000 and row["outputUsage"] == 200 and row["totalUsage"] == 1200
    assert row["output"] == '{"role":"assistant","content":"late answer"}'  # io is stored as raw JSON text
    assert row["updatedAt"] > old_snapshot["updatedAt"]
    assert generation == old_snapshot, "the old row object is left untouched for readers holding it"
    stored = next(
        r for r in store.observations if r["id"] == generation["id"] and r["traceId"] == generation["traceId"]
    )
    assert stored is row


def test_explicit_cost_details_win_and_level_changes_stick(store):
    span = next(row for row in store.observations if row["type"] == "GENERATION" and row["internalModelId"])
    row = mutations.update_observation(
        store,
        span["traceId"],
        span["id"],
        costDetails={"input": 0.5, "output": 0.25},
        level="ERROR",
        statusMessage="late failure",
    )
    assert row["costDetails"] == {"input": 0.5, "output": 0.25, "total": 0.75} and row["totalCost"] == 0.75
    assert (row["level"], row["statusMessage"]) == ("ERROR", "late failure")


def test_updating_a_root_moves_its_legacy_trace(store):
    root = next(row for row in store.observations if row["isRootObservation"])
    mutations.update_observation(store, root["traceId"], root["id"], output={"answer": "rewritten"})
    trace = next(row for row in store.traces if row["id"] == root["traceId"])
    assert trace["output"] == {"answer": "rewritten"} and trace["updatedAt"] >= root["updatedAt"]


def test_updating_a_missing_observation_or_an_unknown_field_fails(store):
    row = store.observations[0]
    with pytest.raises(KeyError):
        mutations.update_observation(store, row["traceId"], "no-such-span", level="ERROR")
    with pytest.raises(KeyError):
        mutations.update_observation(store, "no-such-trace", row["id"], level="ERROR")
    with pytest.raises(ValueError):
        mutations.update_observation(store, row["traceId"], row["id"], colour="red")


# ----- delete_trace -------------------------------------------------------------------------------------
def test_delete_trace_removes_the_trace_its_observations_and_scores(store):
    """A hard delete, as in Langfuse: no tombstones; a session left without traces goes too."""
    scored = next(
        s for s in store.scores if s["subject"]["kind"] == "observation" and s["environment"] == "production"
    )
    trace_id = scored["subject"]["traceId"]
    expected = (
        1
        + len(observations_of(store, trace_id))
        + sum(
            1
            for s in store.scores
            if s["subject"].get("traceId", s["subject"]["id"]) == trace_id
            and s["subject"]["kind"] in ("trace", "observation")
        )
    )
    session = next(row["sessionId"] for row in store.traces if row["id"] == trace_id)
    orphaned = int(session is not None and sum(row["sessionId"] == session for row in store.traces) == 1)
    version = store.version
    assert mutations.delete_trace(store, trace_id) == expected + orphaned
    assert not observations_of(store, trace_id) and all(row["id"] != trace_id for row in store.traces)
    assert all(s["subject"].get("traceId", s["subject"]["id"]) != trace_id for s in store.scores)
    assert store.version == version + 1
    with pytest.raises(KeyError):
        mutations.delete_trace(store, trace_id)


def test_deleting_an_experiment_trace_shrinks_its_experiment(store):
    item = store.experiment_items[0]
    experiment = next(e for e in store.experiments if e["id"] == item["experimentId"])
    mutations.delete_trace(store, item["traceId"])
    after = next(e for e in store.experiments if e["id"] == item["experimentId"])
    assert after["itemCount"] == experiment["itemCount"] - 1
    assert all(i["traceId"] != item["traceId"] for i in store.experiment_items)


# ----- scores -------------------------------------------------------------------------------------------
def test_add_scores_scores_existing_traces(store):
    traces = {row["id"] for row in store.traces}
    ids = mutations.add_scores(store, 8, at=OLD)
    added = [s for s in store.scores if s["id"] in set(ids)]
    assert len(added) == 8 and {s["dataType"] for s in added} == {"NUMERIC", "BOOLEAN", "CATEGORICAL", "TEXT"}
    for score in added:
        assert score["subject"].get("traceId", score["subject"]["id"]) in traces
        assert (
            score["timestamp"] == iso_ms(int(OLD.timestamp() * 1000))
            and score["createdAt"] >= score["timestamp"]
        )


def test_update_score_changes_the_row_and_its_embedded_copies(store):
    item = store.experiment_items[0]
    embedded = item["scores"][0]
    row = mutations.update_score(store, embedded["id"], value=0.01, comment="re-judged")
    assert (row["value"], row["comment"]) == (0.01, "re-judged") and row["updatedAt"] > embedded["updatedAt"]
    item_after = next(
        i for i in store.experiment_items if i["id"] == item["id"] and i["traceId"] == item["traceId"]
    )
    assert next(s for s in item_after["scores"] if s["id"] == row["id"]) == row
    with pytest.raises(KeyError):
        mutations.update_score(store, "no-such-score", value=1.0)


# ----- locking and ground truth -------------------------------------------------------------------------
def test_mutations_wait_for_the_store_lock(store):
    done = threading.Event()
    with store.lock:
        worker = threading.Thread(target=lambda: (mutations.add_scores(store, 1), done.set()))
        worker.start()
        time.sleep(0.1)
        assert not done.is_set()
    worker.join(timeout=5)
    assert done.is_set()


def test_ground_truth_is_a_deep_copy_of_every_entity_list(store):
    truth = export_ground_truth(store)
    assert set(truth) == set(ENTITY_FIELDS)
    assert all(truth[name] == getattr(store, name) for name in ENTITY_FIELDS)
    truth["observations"][0]["metadata"]["tampered"] = True
    truth["traces"].clear()
    assert "tampered" not in store.observations[0]["metadata"] and store.traces
