"""`verify` compares Langfuse's metrics with the same aggregates computed from the warehouse."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import duckdb

from pipelines import verify_metrics
from pipelines.verify import VerifyWindow
from tests.sync.helpers import sync
from tests.verify.conftest import SYNCED, WHOLE_RANGE, differing, run_verify


def _a_generation(database) -> tuple[str, str, str, int]:
    """The first gpt-4o generation: its id, day, model, and how many observations share its day and model."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("""
            select id, strftime(start_time at time zone 'UTC', '%Y-%m-%d') as day, model,
                   count(*) over (partition by day, model)
            from langfuse.observations where model = 'gpt-4o' order by start_time limit 1""").fetchone()


def test_after_a_full_sync_every_day_model_and_score_name_matches(synced):
    report = run_verify(synced.sim, synced.database)

    assert report.ok and report.api == "v4"
    [result] = report.projects
    checks = {group.check for group in result.groups}
    assert checks == {"observations", "scores"}
    assert sum(g.langfuse["count"] for g in result.groups if g.check == "observations") == len(
        synced.sim.ground_truth()["observations"])
    assert any(g.langfuse["total_cost"] > 0 and g.langfuse["input_tokens"] > 0 for g in result.groups
               if g.check == "observations")


def test_text_and_correction_scores_are_reported_as_not_verified(synced):
    truth = synced.sim.ground_truth()["scores"]
    expected = {kind: sum(1 for s in truth if s["dataType"] == kind) for kind in ("TEXT", "CORRECTION")}

    [result] = run_verify(synced.sim, synced.database).projects

    assert result.unverified_scores == {kind: n for kind, n in expected.items() if n}
    assert sum(g.langfuse["count"] for g in result.groups if g.check == "scores") == len(truth) - sum(expected.values())


def test_an_observation_missing_from_the_warehouse_shows_as_its_day_and_model(synced, tmp_path):
    database = synced.copy_to(tmp_path)
    observation_id, day, model, in_group = _a_generation(database)
    with duckdb.connect(str(database)) as con:
        con.execute("delete from langfuse.observations where id = ?", [observation_id])

    report = run_verify(synced.sim, database)

    assert not report.ok
    assert differing(report) == [(day, model)]
    [group] = report.projects[0].differences
    assert (group.langfuse["count"], group.warehouse["count"]) == (in_group, in_group - 1)
    assert {"count", "input_tokens", "total_tokens", "total_cost"} <= set(group.differing)


def test_rows_marked_deleted_in_the_warehouse_are_not_counted(synced, tmp_path):
    database = synced.copy_to(tmp_path)
    observation_id, day, model, _ = _a_generation(database)
    with duckdb.connect(str(database)) as con:
        con.execute("update langfuse.observations set deleted_at = now() where id = ?", [observation_id])

    assert differing(run_verify(synced.sim, database)) == [(day, model)]


def test_a_missing_score_shows_as_its_day_and_name(synced, tmp_path):
    database = synced.copy_to(tmp_path)
    with duckdb.connect(str(database)) as con:
        day, name = con.execute("""
            delete from langfuse.scores where id = (
                select id from langfuse.scores where data_type = 'CATEGORICAL' order by "timestamp" limit 1)
            returning strftime("timestamp" at time zone 'UTC', '%Y-%m-%d'), name""").fetchone()

    report = run_verify(synced.sim, database)

    assert differing(report, "observations") == []
    assert differing(report, "scores") == [(day, name)]


def test_traces_added_upstream_since_the_sync_show_up_as_the_days_and_models_they_touch(sim, tmp_path):
    sync(sim, tmp_path, resources=SYNCED)
    midnight = datetime(2026, 11, 5, tzinfo=UTC)
    new_traces = set(sim.add_traces(2, at=midnight, same_start_time=True, seed=3))
    sim.settle()  # past the ingestion lag
    touched = {("2026-11-05", o.get("model") or None) for o in sim.ground_truth()["observations"]
               if o["traceId"] in new_traces}

    report = run_verify(sim, tmp_path / "warehouse.duckdb")

    assert sorted(differing(report), key=str) == sorted(touched, key=str)


def test_the_window_end_is_excluded_on_both_sides(sim, tmp_path):
    # Every new observation starts exactly at the window's end: the metrics query's `to` is inclusive,
    # so it is sent one millisecond earlier, and neither side counts them.
    sync(sim, tmp_path, resources=SYNCED)
    midnight = datetime(2026, 11, 5, tzinfo=UTC)
    sim.add_traces(2, at=midnight, same_start_time=True, seed=3)
    sim.settle()

    assert run_verify(sim, tmp_path / "warehouse.duckdb", VerifyWindow(WHOLE_RANGE.since, midnight)).ok


def test_results_larger_than_the_row_limit_are_fetched_day_range_by_day_range(synced, monkeypatch):
    whole = run_verify(synced.sim, synced.database).projects[0].groups
    busiest_day = max(Counter((g.check, g.day) for g in whole).values())
    monkeypatch.setattr(verify_metrics, "ROW_LIMIT", busiest_day + 1)  # far below the groups of the whole range
    assert busiest_day + 1 < len(whole) / 4

    report = run_verify(synced.sim, synced.database)

    assert report.ok
    assert [(g.check, g.day, g.label) for g in report.projects[0].groups] == [(g.check, g.day, g.label) for g in whole]


def test_the_legacy_api_reconciles_too_with_input_tokens_as_the_server_counts_them(synced_legacy, tmp_path):
    # Legacy input_usage holds only the `input` key; the metrics count every key containing "input".
    report = run_verify(synced_legacy.sim, synced_legacy.database)
    assert report.ok and report.api == "legacy"

    database = synced_legacy.copy_to(tmp_path)
    observation_id, day, model, _ = _a_generation(database)
    with duckdb.connect(str(database)) as con:
        con.execute("delete from langfuse.observations where id = ?", [observation_id])
    assert differing(run_verify(synced_legacy.sim, database, api="legacy")) == [(day, model)]
