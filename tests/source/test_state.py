"""The sync's state has one owner (sources/langfuse/state.py): the export's progress is written and read
through it, in the layout its docstring gives."""

from datetime import UTC, datetime

from sources.langfuse.state import ProjectState, SyncState

W1 = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
W2 = (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))


def test_loaded_manifests_widen_the_exports_span_and_add_their_rows():
    raw: dict = {}
    export = ProjectState(raw).start_export("s3://bucket/prefix")
    export.loaded("2026-11-03T00-00-00", 20, *W2)
    export.loaded("2026-11-02T00-00-00", 10, *W1)  # an older window loaded later (Run Now)
    export.skipped("2026-10-01T00-00-00", "read by the API already")
    export.pending = True
    assert raw["export"] == {
        "url": "s3://bucket/prefix",
        "manifests": {"2026-11-03T00-00-00": {"rows": 20, "window_max": "2026-11-03T00:00:00.000Z"},
                      "2026-11-02T00-00-00": {"rows": 10, "window_max": "2026-11-02T00:00:00.000Z"},
                      "2026-10-01T00-00-00": {"rows": 0, "skipped": "read by the API already"}},
        "since": "2026-11-01T00:00:00.000Z", "until": "2026-11-03T00:00:00.000Z", "rows": 30, "pending": True}
    assert export.is_loaded("2026-10-01T00-00-00") and not export.is_loaded("2026-11-04T00-00-00")


def test_a_project_the_export_never_touched_reads_as_empty_and_is_not_written():
    raw: dict = {"synced_until": "2026-11-01T00:00:00.000Z"}
    export = ProjectState(raw).export
    assert (export.until, export.rows, export.pending, export.manifests) == (None, 0, False, {})
    assert "export" not in raw


def test_manifests_left_for_another_load_are_pending_work():
    state = {"sources": {"langfuse": {"resources": {"scores": {"projects": {"p": {"export": {"pending": True}}}}}}}}
    assert SyncState(state).has_pending()
    assert not SyncState(state).has_pending(resources=["observations"])
