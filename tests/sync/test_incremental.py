"""Incremental runs: new rows, late rows, updates, rows arriving mid-sync, ties, chunked backfills."""

import threading
from datetime import UTC, datetime, timedelta

from sources.langfuse.windows import parse_ts
from tests.sync.helpers import differences, sync, table_rows

HOUR = timedelta(hours=1)


def _observation_keys(workdir):
    rows = table_rows(workdir, "observations")
    keys = [(r["trace_id"], r["id"]) for r in rows]
    assert len(keys) == len(set(keys)), "an observation was loaded twice"
    return set(keys)


def _truth_keys(sim, before=None):
    """Observations the server holds; only those that started before ``before`` when given."""
    rows = sim.ground_truth()["observations"]
    if before is not None:
        rows = [o for o in rows if parse_ts(o["startTime"]) < before]
    return {(o["traceId"], o["id"]) for o in rows}


def test_new_rows_land_in_the_next_sync(sim, tmp_path):
    sync(sim, tmp_path)
    sim.add_traces(5, at=datetime.now(UTC) - timedelta(minutes=30))
    sim.settle()  # past the ingestion lag: see test_lag.py for what a sync sees before
    report = sync(sim, tmp_path)
    assert report.rows["observations"] > 0
    assert _observation_keys(tmp_path) == _truth_keys(sim)


def test_late_rows_inside_the_lookback_land_and_older_ones_wait_for_a_reconcile(sim, tmp_path):
    sync(sim, tmp_path)
    now = datetime.now(UTC)
    inside = sim.add_traces(2, at=now - 30 * timedelta(minutes=1))
    outside = sim.add_traces(2, at=now - 3 * HOUR)
    sim.settle()
    sync(sim, tmp_path, lookback=HOUR)
    loaded_traces = {trace_id for trace_id, _ in _observation_keys(tmp_path)}
    assert set(inside) <= loaded_traces
    assert not set(outside) & loaded_traces  # documented: only `sync --reconcile` finds these


def test_an_updated_observation_stays_one_row_with_the_new_values(sim, tmp_path):
    [trace_id] = sim.add_traces(1, at=datetime.now(UTC) - timedelta(minutes=10))
    sync(sim, tmp_path)
    observation = next(o for o in sim.ground_truth()["observations"] if o["traceId"] == trace_id)
    updated = sim.update_observation(trace_id, observation["id"], output='{"answer": "arrived late ✓"}')
    sim.settle()
    sync(sim, tmp_path)
    rows = [r for r in table_rows(tmp_path, "observations")
            if (r["trace_id"], r["id"]) == (trace_id, observation["id"])]
    assert len(rows) == 1
    assert rows[0]["output"] == updated["output"]


def test_thousands_of_observations_on_one_start_time_cross_page_boundaries_exactly_once(sim, tmp_path):
    tie = datetime(2026, 11, 15, 9, 30, 0, 123000, tzinfo=UTC)
    sim.add_traces(300, at=tie, same_start_time=True)
    sim.settle()
    assert sum(o["startTime"] == "2026-11-15T09:30:00.123Z" for o in sim.ground_truth()["observations"]) > 1000
    sync(sim, tmp_path)
    assert _observation_keys(tmp_path) == _truth_keys(sim)


def test_a_chunked_backfill_commits_in_several_loads_and_equals_the_ground_truth(sim, tmp_path):
    report = sync(sim, tmp_path, chunk_rows=300, resources=["observations", "scores"])
    assert report.loads >= 2
    truth = sim.ground_truth()
    assert differences(tmp_path, truth, "observations", report.project_ids[0]) == []
    assert differences(tmp_path, truth, "scores", report.project_ids[0]) == []


def test_rows_added_while_the_sync_paginates_are_neither_lost_nor_doubled(sim, tmp_path):
    from simulator.faults import FaultPlan

    sim.faults = FaultPlan(probabilities={"slow": 1.0}, slow_ms=30)
    stop = threading.Event()

    def keep_adding():
        # Bounded, so a slow (shared, loaded) machine does not grow the data set without end.
        for _ in range(150):
            if stop.is_set():
                break
            sim.add_traces(1, at=datetime.now(UTC) - timedelta(minutes=20))
            sim.add_traces(1)  # "now": after the run's frozen upper bound
            stop.wait(0.02)

    writer = threading.Thread(target=keep_adding)
    writer.start()
    try:
        sync(sim, tmp_path, resources=["observations"])
    finally:
        stop.set()
        writer.join()
    sim.faults = None
    _observation_keys(tmp_path)  # no duplicates after a sync that raced the writer
    sim.settle()
    second_run_start = datetime.now(UTC)
    sync(sim, tmp_path, resources=["observations"])
    # Child spans of the traces added "now" start seconds later: those are the next run's.
    assert _observation_keys(tmp_path) == _truth_keys(sim, before=second_run_start)
