"""The switches of Langfuse's unkindnesses (``simulator.unkind``) and the simulator's ingestion clock.

How a sync survives each unkindness is tested end to end in tests/sync/test_unkind_api.py.
"""

from __future__ import annotations

import pytest

from simulator import Simulator, Unkindness
from simulator.__main__ import _parser

OBSERVATIONS = "/api/public/v2/observations"


def test_every_unkindness_is_on_by_default_and_each_can_be_switched_off():
    default = Unkindness()
    assert default.unstable_ties and default.short_pages and default.running_then_complete
    assert default.response_cap_bytes == 5_000_000 and default.ingestion_lag_seconds == 600
    off = default.switched_off("unstable_ties, ingestion_lag_seconds")
    assert not off.unstable_ties and off.ingestion_lag_seconds == 0 and off.short_pages
    assert default.switched_off("all") == Unkindness.kind()
    with pytest.raises(ValueError, match="unknown unkindness switch"):
        default.switched_off("sloppy_totals")


def test_the_serve_command_takes_the_switches():
    args = _parser().parse_args(["serve", "--kind", "short_pages,response_cap_bytes"])
    chosen = Unkindness().switched_off(args.kind)
    assert chosen.response_cap_bytes is None and not chosen.short_pages and chosen.unstable_ties


def test_switches_are_served_under_sim(fresh_sim, fresh_client):
    answer = fresh_client.post("/_sim/unkindness", json={"short_pages": False})
    assert answer.status_code == 200 and answer.json()["short_pages"] is False
    assert fresh_sim.unkind.short_pages is False
    assert fresh_client.get("/_sim/unkindness").json()["unstable_ties"] is True
    assert fresh_client.post("/_sim/unkindness", json={"colour": 1}).status_code == 400


@pytest.fixture
def lagging():
    with Simulator(seed=7, traces=12, unkind={"ingestion_lag_seconds": 600, "running_then_complete": False}) as sim:
        yield sim


def _trace_ids(client) -> set[str]:
    rows = client.get(OBSERVATIONS, params={"limit": 1000, "fields": "core"}).json()["data"]
    return {row["traceId"] for row in rows}


def test_a_change_is_visible_once_the_simulated_clock_passes_its_lag(lagging, client_for):
    with client_for(lagging) as client:
        added = client.post("/_sim/traces", json={"n": 3}).json()["traceIds"]
        assert not set(added) & _trace_ids(client)
        truth = {row["traceId"] for row in lagging.ground_truth()["observations"]}
        assert set(added) <= truth, "the ground truth is the data set once the lag has settled"
        assert lagging.pending_changes == 1, "reading the ground truth applies nothing"
        answer = client.post("/_sim/clock/advance", json={"seconds": 601}).json()
        assert answer["pending"] == 0
        assert set(added) <= _trace_ids(client)


def test_changes_become_visible_in_the_order_they_were_made(lagging):
    [trace_id] = lagging.add_traces(1)
    root = next(row for row in lagging.ground_truth()["observations"] if row["traceId"] == trace_id)
    lagging.update_observation(trace_id, root["id"], output="first")
    lagging.update_observation(trace_id, root["id"], output="second")
    assert lagging.settle() == 3
    served = next(row for row in lagging.store.observations if row["id"] == root["id"])
    assert served["output"] == "second"
    assert lagging.ground_truth()["observations"] == lagging.store.observations


def test_a_change_made_now_stamps_now_whenever_it_is_applied(lagging):
    [trace_id] = lagging.add_traces(1)
    root = next(row for row in lagging.ground_truth()["observations"] if row["traceId"] == trace_id)
    expected = lagging.update_observation(trace_id, root["id"], level="ERROR")
    lagging.advance(3600)
    served = next(row for row in lagging.store.observations if row["id"] == root["id"])
    assert served["updatedAt"] == expected["updatedAt"]
