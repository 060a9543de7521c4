"""What a data team configures: several projects, privacy, backfill ranges, full refreshes."""

from datetime import UTC, datetime

import duckdb

from simulator import Simulator
from simulator.generator import generate
from sources.langfuse import LangfuseProject
from sources.langfuse.privacy import Privacy
from tests.sync.helpers import count, differences, sync, table_rows


def test_several_projects_load_side_by_side_keyed_by_project_id(sim, tmp_path):
    other_store = generate(seed=8, traces=60, project_id="proj-other")
    with Simulator(store=other_store, secret_key="sk-lf-other").start() as other:
        projects = [
            LangfuseProject(sim.base_url, sim.public_key, sim.secret_key),
            LangfuseProject(other.base_url, other.public_key, other.secret_key),
        ]
        report = sync(sim, tmp_path, projects=projects, resources=["observations", "scores", "datasets"])
        assert sorted(report.project_ids) == ["proj-demo", "proj-other"]
        for simulator, project_id in ((sim, "proj-demo"), (other, "proj-other")):
            truth = simulator.ground_truth()
            for table in ("observations", "scores", "datasets"):
                rows = [r for r in table_rows(tmp_path, table) if r["project_id"] == project_id]
                assert len(rows) == len({(r.get("trace_id"), r["id"]) for r in rows}) > 0
            assert len([r for r in table_rows(tmp_path, "observations") if r["project_id"] == project_id]) == len(
                truth["observations"])


def test_excluded_io_and_metadata_are_neither_requested_nor_stored(sim, tmp_path):
    sim.reset_stats()
    sync(sim, tmp_path, resources=["observations"], privacy=Privacy(io="exclude", metadata="exclude"))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        columns = {c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_name = 'observations'").fetchall()}
    assert not {"input", "output", "metadata"} & columns
    requested = " ".join(sim.stats["requests"])
    assert "observations" in requested


def test_hashed_io_keeps_a_stable_digest_instead_of_the_text(sim, tmp_path):
    sync(sim, tmp_path, resources=["observations"], privacy=Privacy(io="hash"))
    truth = {(o["traceId"], o["id"]): o for o in sim.ground_truth()["observations"]}
    rows = [r for r in table_rows(tmp_path, "observations") if r["input"] is not None]
    assert rows and all(r["input"].startswith("sha256:") for r in rows)
    assert all(truth[(r["trace_id"], r["id"])]["input"] not in r["input"] for r in rows[:50])


def test_a_backfill_range_loads_only_that_range(sim, tmp_path):
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)
    sync(sim, tmp_path, resources=["observations"], since=since, until=until)
    starts = [r["start_time"] for r in table_rows(tmp_path, "observations")]
    expected = [o for o in sim.ground_truth()["observations"] if "2026-11-01" <= o["startTime"] < "2026-11-08"]
    assert len(starts) == len(expected) > 0
    assert since <= min(starts) and max(starts) < until


def test_a_full_refresh_rereads_one_resource_from_the_beginning(sim, tmp_path):
    report = sync(sim, tmp_path, resources=["observations", "scores"])
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("delete from langfuse.observations where start_time < '2026-11-01'")
    assert sync(sim, tmp_path, resources=["observations", "scores"]).nothing_new
    refreshed = sync(sim, tmp_path, resources=["observations", "scores"], full_refresh=["observations"])
    assert set(refreshed.rows) == {"observations"}
    assert differences(tmp_path, sim.ground_truth(), "observations", report.project_ids[0]) == []
    assert count(tmp_path, "scores") == len(sim.ground_truth()["scores"])
