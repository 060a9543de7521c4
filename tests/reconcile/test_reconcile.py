"""`sync --reconcile DAYS`: deletes, changes and late rows the incremental sync cannot see.

The simulator's data lies in the 28 days before 2026-11-16, so a 60-day window covers all of it,
while the 1-hour incremental look-back covers none of it.
"""

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from pipelines import reconcile as reconcile_module
from sources.langfuse.errors import ConfigurationError
from sources.langfuse.http import LangfuseClient, decode_json_object
from tests.sync.helpers import sync, table_rows
from transforms import Warehouse, build_marts

DAYS = 60


def _keyed(workdir, table, key):
    rows = table_rows(workdir, table)
    keyed = {tuple(r[k] for k in key): r for r in rows}
    assert len(keyed) == len(rows), f"{table}: a key was loaded twice"
    return keyed


def _observations(workdir):
    return _keyed(workdir, "observations", ("trace_id", "id"))


def _scores(workdir):
    return _keyed(workdir, "scores", ("id",))


def _deleted(rows):
    return {key for key, row in rows.items() if row["deleted_at"] is not None}


def _delete_traces(sim, n):
    """Delete n traces upstream; returns the observation keys and score ids that went with them."""
    before = sim.ground_truth()
    trace_ids = sorted({o["traceId"] for o in before["observations"]})[:n]
    for trace_id in trace_ids:
        sim.delete_trace(trace_id)
    sim.settle()  # deletes, too, reach the read API after the ingestion lag
    after = sim.ground_truth()
    observation_keys = {(o["traceId"], o["id"]) for o in before["observations"]} - {
        (o["traceId"], o["id"]) for o in after["observations"]}
    score_ids = {(s["id"],) for s in before["scores"]} - {(s["id"],) for s in after["scores"]}
    return trace_ids, observation_keys, score_ids


def test_traces_deleted_upstream_are_marked_deleted_with_exactly_their_observations_and_scores(sim, tmp_path):
    sync(sim, tmp_path)
    observations_before, scores_before = _observations(tmp_path), _scores(tmp_path)
    trace_ids, observation_keys, score_ids = _delete_traces(sim, 3)
    assert observation_keys and score_ids

    report = sync(sim, tmp_path, reconcile_days=DAYS)

    observations, scores = _observations(tmp_path), _scores(tmp_path)
    assert _deleted(observations) == observation_keys
    assert _deleted(scores) == score_ids
    assert observations.keys() == observations_before.keys()  # marked, not removed
    for key, row in observations.items():  # everything else untouched
        if key not in observation_keys:
            assert row == observations_before[key]
    for key, row in scores.items():
        if key not in score_ids:
            assert row == scores_before[key]
    assert report.reconcile.tables["observations"].marked_deleted == len(observation_keys)
    assert report.reconcile.tables["scores"].marked_deleted == len(score_ids)
    assert report.reconcile.refetched_rows == 0


def test_the_marts_leave_out_what_was_deleted_upstream(sim, tmp_path):
    sync(sim, tmp_path)
    trace_ids, _, score_ids = _delete_traces(sim, 2)
    sync(sim, tmp_path, reconcile_days=DAYS)
    assert build_marts(Warehouse(database=str(tmp_path / "warehouse.duckdb")), select=["+fct_traces", "+fct_scores"]).ok
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        traces = {r[0] for r in con.execute("select trace_id from analytics.fct_traces").fetchall()}
        scores = {r[0] for r in con.execute("select score_id from analytics.fct_scores").fetchall()}
    assert traces and not traces & set(trace_ids)
    assert scores and not scores & {score_id for (score_id,) in score_ids}


def test_a_row_updated_outside_the_lookback_is_refetched_and_stays_one_row(sim, tmp_path):
    sync(sim, tmp_path)
    old = next(o for o in sim.ground_truth()["observations"] if o["type"] == "GENERATION")
    updated = sim.update_observation(old["traceId"], old["id"], output='{"answer": "corrected a week later"}')
    sim.settle()
    key = (old["traceId"], old["id"])

    sync(sim, tmp_path)  # the plain sync's look-back does not reach it
    assert _observations(tmp_path)[key]["output"] == old["output"]

    report = sync(sim, tmp_path, reconcile_days=DAYS)
    row = _observations(tmp_path)[key]  # _keyed asserts it is still one row
    assert row["output"] == updated["output"]
    assert row["updated_at"] == datetime.fromisoformat(updated["updatedAt"])
    assert row["deleted_at"] is None
    stats = report.reconcile.tables["observations"]
    assert stats.refetch_hours == 1 and 0 < stats.refetched_rows < len(_observations(tmp_path)) / 10


def test_a_late_row_outside_the_lookback_missed_by_the_plain_sync_is_caught(sim, tmp_path):
    sync(sim, tmp_path)
    late = sim.add_traces(2, at=datetime.now(UTC) - timedelta(hours=3))
    sim.settle()
    sync(sim, tmp_path, lookback=timedelta(hours=1))
    assert not {trace_id for trace_id, _ in _observations(tmp_path)} & set(late)  # documented miss

    sync(sim, tmp_path, lookback=timedelta(hours=1), reconcile_days=DAYS)
    expected = {(o["traceId"], o["id"]) for o in sim.ground_truth()["observations"] if o["traceId"] in late}
    assert expected <= _observations(tmp_path).keys()
    late_scores = {s["id"] for s in sim.ground_truth()["scores"] if s.get("subject", {}).get("traceId") in late
                   or s.get("subject", {}).get("id") in late}
    assert {(i,) for i in late_scores} <= _scores(tmp_path).keys()


def test_a_reconcile_with_no_upstream_change_changes_nothing(sim, tmp_path):
    sync(sim, tmp_path)
    observations, scores = _observations(tmp_path), _scores(tmp_path)
    report = sync(sim, tmp_path, reconcile_days=DAYS)
    assert _observations(tmp_path) == observations
    assert _scores(tmp_path) == scores
    for stats in report.reconcile.tables.values():
        assert stats.checked == stats.warehouse_rows > 0
        assert (stats.marked_deleted, stats.refetch_hours, stats.refetched_rows) == (0, 0, 0)


def test_a_row_marked_deleted_that_langfuse_lists_again_is_restored(sim, tmp_path):
    sync(sim, tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        trace_id, observation_id = con.execute("select trace_id, id from langfuse.observations limit 1").fetchall()[0]
        con.execute("update langfuse.observations set deleted_at = now() where trace_id = ? and id = ?",
                    [trace_id, observation_id])
    sync(sim, tmp_path, reconcile_days=DAYS)
    assert _observations(tmp_path)[(trace_id, observation_id)]["deleted_at"] is None


def test_slicing_a_long_listing_marks_nothing_by_mistake(sim, tmp_path, monkeypatch):
    sync(sim, tmp_path)
    _, observation_keys, _ = _delete_traces(sim, 1)
    monkeypatch.setattr(reconcile_module, "SLICE_ROWS", 150)  # several slices, cut mid-page
    sync(sim, tmp_path, reconcile_days=DAYS)
    assert _deleted(_observations(tmp_path)) == observation_keys


def _recording_requests(monkeypatch):
    """Every GET a sync makes, as (phase, path, params, response bytes); phase "reconcile" or "sync"."""
    import pipelines.sync

    seen, phase = [], ["sync"]
    original_get, original_reconcile = LangfuseClient.get, pipelines.sync.reconcile

    def get(self, path, params=None, decode=decode_json_object, shrinkable=False):
        sizes = []

        def measured(content):
            sizes.append(len(content))
            return decode(content)

        body = original_get(self, path, params, measured, shrinkable)
        seen.append((phase[0], path, dict(params or {}), sizes[-1]))
        return body

    def reconcile(*args, **kwargs):
        phase[0] = "reconcile"
        try:
            return original_reconcile(*args, **kwargs)
        finally:
            phase[0] = "sync"

    monkeypatch.setattr(LangfuseClient, "get", get)
    monkeypatch.setattr(pipelines.sync, "reconcile", reconcile)
    return seen


def test_the_reconcile_lists_ids_with_the_cheapest_field_groups_at_a_fraction_of_a_full_read(
        sim, tmp_path, monkeypatch):
    seen = _recording_requests(monkeypatch)
    sync(sim, tmp_path, resources=["observations", "scores"])
    full_read = sum(size for _, path, _, size in seen if path in ("/v2/observations", "/v3/scores"))
    seen.clear()

    report = sync(sim, tmp_path, resources=["observations", "scores"], reconcile_days=DAYS)

    listing = [(path, params, size) for phase, path, params, size in seen if phase == "reconcile"]
    assert {path for path, _, _ in listing} == {"/v2/observations", "/v3/scores"}
    assert {params.get("fields") for path, params, _ in listing if path == "/v2/observations"} == {"core,time"}
    assert all("fields" not in params for path, params, _ in listing if path == "/v3/scores")  # core only
    assert sum(size for _, _, size in listing) < full_read / 4  # ~22% here: ids, times and updatedAt
    assert report.reconcile.requests == len(listing)
    assert report.reconcile.tables["observations"].listing_fields == "core,time"


def test_a_filesystem_destination_is_refused_before_anything_is_synced(sim, tmp_path):
    with pytest.raises(ConfigurationError, match="cannot change"):
        sync(sim, tmp_path, destination="filesystem", database=str(tmp_path / "lake"), reconcile_days=DAYS)
    assert not (tmp_path / "lake").exists()
