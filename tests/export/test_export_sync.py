"""`sync --from-export`: Langfuse's blob-storage export as the bulk path, the API for everything else.

The simulator writes its own data as Langfuse's export would (manifests, windows sharing their
inclusive boundary, a row in two windows, an orphan file, a field-group change); the sync loads it,
then the API path takes over; together they equal the ground truth.
"""

import json
from datetime import timedelta

import pytest

from pipelines.sync import make_pipeline
from simulator import Simulator
from simulator.export import write_export
from sources.langfuse.windows import parse_ts
from tests.export.helpers import EXPORT_UNTIL, export_differences, without_app_root_limit
from tests.sync.helpers import count, differences, options, sync, table_rows

FORMATS = ["parquet", "jsonl", "csv"]


def _changes_after_the_export(sim):
    """A late update to an exported row (far older than the lookback) and a deleted exported trace."""
    observations = sorted(sim.ground_truth()["observations"], key=lambda o: o["startTime"])
    updated = observations[len(observations) // 4]
    sim.update_observation(updated["traceId"], updated["id"], output='{"answer": "corrected after the export"}')
    doomed = next(o["traceId"] for o in observations[len(observations) // 2:] if o["traceId"] != updated["traceId"])
    sim.delete_trace(doomed)
    sim.settle()  # past the simulator's ingestion lag: what a nightly run a while later sees
    return (updated["traceId"], updated["id"]), doomed


@pytest.mark.parametrize("file_format", FORMATS)
def test_export_then_api_equal_the_ground_truth(sim, tmp_path, file_format):
    written = write_export(sim.ground_truth(), str(tmp_path / "export"), project_id="proj-demo",
                           file_format=file_format, until=EXPORT_UNTIL)
    updated, deleted_trace = _changes_after_the_export(sim)

    report = sync(sim, tmp_path, from_export=str(tmp_path / "export"), reconcile_days=60)

    assert report.export_rows["observations"] > 0 and report.export_rows["scores"] > 0
    rows = {(r["trace_id"], r["id"]): r for r in table_rows(tmp_path, "observations")}
    assert ("orphan", "orphan-row") not in rows  # the file no manifest lists is never read
    assert rows[updated]["output"] == '{"answer": "corrected after the export"}'  # caught by the reconcile
    assert {r["deleted_at"] is not None for k, r in rows.items() if k[0] == deleted_trace} == {True}
    truth = {(o["traceId"], o["id"]): o for o in sim.ground_truth()["observations"]}
    assert written.repeated_rows
    for key in written.repeated_rows:  # in two windows, the earlier copy older: the newer one is kept
        assert rows[key]["updated_at"] == parse_ts(truth[key]["updatedAt"])
    assert export_differences(tmp_path, sim.ground_truth(), file_format) == []


def test_the_export_sets_the_watermark_and_the_api_reads_on_from_it_with_its_lookback(sim, tmp_path):
    written = write_export(sim.ground_truth(), str(tmp_path / "export"), project_id="proj-demo",
                           until=EXPORT_UNTIL, windows=3)
    sim.reset_stats()
    sync(sim, tmp_path, from_export=str(tmp_path / "export"), resources=["observations"],
         lookback=timedelta(hours=1))
    state = make_pipeline(options(sim, tmp_path).location()).state["sources"]["langfuse"]["resources"]["observations"]
    project = state["projects"]["proj-demo"]
    assert project["export"]["until"] == written.manifests[-1]["window"]["maxTimestamp"]
    assert sorted(project["export"]["manifests"]) == sorted(m["maxTimestamp"][:19].replace(":", "-")
                                                          for m in written.manifests)
    assert parse_ts(project["synced_until"]) > written.last_window_end  # the API read on to now
    api_rows = [r for r in table_rows(tmp_path, "observations") if r["start_time"] < written.last_window_end
                - timedelta(hours=1)]
    assert len(api_rows) == sum(1 for o in sim.ground_truth()["observations"]
                                if parse_ts(o["startTime"]) < written.last_window_end - timedelta(hours=1))


def test_a_second_run_loads_no_manifest_twice_and_new_manifests_below_the_api_watermark_are_skipped(sim, tmp_path):
    export = str(tmp_path / "export")
    write_export(sim.ground_truth(), export, project_id="proj-demo", until=EXPORT_UNTIL)
    sync(sim, tmp_path, from_export=export, resources=["observations", "scores"])
    before = count(tmp_path, "observations")
    second = sync(sim, tmp_path, from_export=export, resources=["observations", "scores"])
    assert second.nothing_new, (second.rows, second.export_rows)
    assert count(tmp_path, "observations") == before


def test_a_long_export_commits_manifest_by_manifest(sim, tmp_path):
    write_export(sim.ground_truth(), str(tmp_path / "export"), project_id="proj-demo", windows=6)
    report = sync(sim, tmp_path, from_export=str(tmp_path / "export"), resources=["observations"], chunk_rows=100)
    assert report.loads >= 6  # a load per manifest (each over 100 rows), then the API's
    assert export_differences(tmp_path, sim.ground_truth(), "parquet", tables=("observations",)) == []


# The legacy observations table has no trace context, user, session, bookmark or public flag.
LEGACY_LACKS = ("user_id", "session_id", "bookmarked", "public", "trace_name", "tags", "release",
                "input_price", "output_price", "total_price")


def test_the_legacy_layout_loads_into_the_same_observations_table(sim, tmp_path):
    write_export(sim.ground_truth(), str(tmp_path / "export"), project_id="proj-demo", layout="legacy",
                 file_format="jsonl", until=EXPORT_UNTIL)
    report = sync(sim, tmp_path, from_export=str(tmp_path / "export"), resources=["observations", "scores"])
    assert report.export_rows["observations"] > 0
    truth = sim.ground_truth()
    assert without_app_root_limit(truth, differences(tmp_path, truth, "observations", "proj-demo",
                                                     ignore=LEGACY_LACKS, uncut_metadata_ok=True)) == []


def test_a_legacy_server_gets_the_exported_traces_too(tmp_path):
    with Simulator(seed=11, traces=60, api="legacy").start() as legacy:
        truth = legacy.ground_truth()
        write_export(truth, str(tmp_path / "export"), project_id="proj-demo", layout="legacy", until=EXPORT_UNTIL)
        report = sync(legacy, tmp_path, from_export=str(tmp_path / "export"), resources=["traces"])
    assert report.export_rows["traces"] > 0
    loaded = {r["id"]: r for r in table_rows(tmp_path, "traces")}
    assert loaded.keys() == {t["id"] for t in truth["traces"]}
    for trace in truth["traces"]:
        row = loaded[trace["id"]]
        assert (row["name"], row["timestamp"], json.loads(row["tags"])) == (
            trace["name"], parse_ts(trace["timestamp"]), trace["tags"])
