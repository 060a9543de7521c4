"""A self-hosted v3 server: traces, observations v1 and scores v2 are reconciled the same way."""

import pytest

from simulator import Simulator
from tests.sync.helpers import sync, table_rows


@pytest.fixture()
def legacy_sim():
    with Simulator(seed=11, traces=60, api="legacy").start() as simulator:
        yield simulator


def _deleted_ids(workdir, table, id_column):
    return {row[id_column] for row in table_rows(workdir, table) if row["deleted_at"] is not None}


def test_a_trace_deleted_on_a_v3_server_is_marked_deleted_in_all_three_tables(legacy_sim, tmp_path):
    resources = ["traces", "observations", "scores"]
    sync(legacy_sim, tmp_path, resources=resources)
    before = legacy_sim.ground_truth()
    trace_id = before["traces"][0]["id"]
    legacy_sim.delete_trace(trace_id)
    legacy_sim.settle()
    after = legacy_sim.ground_truth()

    report = sync(legacy_sim, tmp_path, resources=resources, reconcile_days=60)

    assert _deleted_ids(tmp_path, "traces", "id") == {trace_id}
    assert _deleted_ids(tmp_path, "observations", "trace_id") == {trace_id}
    gone_scores = {s["id"] for s in before["scores"]} - {s["id"] for s in after["scores"]}
    assert _deleted_ids(tmp_path, "scores", "id") == gone_scores
    listing = {name: stats.listing_fields for name, stats in report.reconcile.tables.items()}
    assert listing == {"traces": "core", "observations": None, "scores": "score"}
