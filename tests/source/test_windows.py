"""Incremental windows: what a run reads, and how the watermark and checkpoints move."""

from datetime import UTC, datetime, timedelta

from sources.langfuse import settings
from sources.langfuse.state import ProjectState
from sources.langfuse.windows import RunBounds, checkpoint_window, complete_window, plan_window, unread_below

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MS = timedelta(milliseconds=1)


def test_first_run_reads_from_the_beginning_of_langfuse_to_the_frozen_run_end():
    window = plan_window(ProjectState({}), RunBounds(run_end=T0))
    assert (window.start, window.end, window.ranges) == (settings.EARLIEST_DATA, T0, [(settings.EARLIEST_DATA, T0)])


def test_next_run_starts_one_lookback_before_the_watermark():
    raw: dict = {}
    state = ProjectState(raw)
    complete_window(state, plan_window(state, RunBounds(run_end=T0)))
    assert raw == {"synced_until": "2026-11-10T12:00:00.000Z"}
    window = plan_window(state, RunBounds(run_end=T0 + 24 * HOUR, lookback=HOUR))
    assert (window.start, window.end) == (T0 - HOUR, T0 + 24 * HOUR)


def test_the_watermark_moves_to_run_end_even_when_nothing_arrived():
    raw = {"synced_until": "2026-11-10T12:00:00.000Z"}
    state = ProjectState(raw)
    complete_window(state, plan_window(state, RunBounds(run_end=T0 + HOUR)))
    assert raw["synced_until"] == "2026-11-10T13:00:00.000Z"


def test_nothing_to_read_when_the_lookback_window_is_empty():
    state = ProjectState({"synced_until": "2026-11-10T12:00:00.000Z"})
    assert plan_window(state, RunBounds(run_end=T0 - 2 * HOUR, lookback=HOUR)) is None


def test_a_checkpoint_keeps_the_oldest_millisecond_seen_so_ties_are_reread_not_lost():
    raw: dict = {}
    state = ProjectState(raw)
    window = plan_window(state, RunBounds(run_end=T0))
    oldest = T0 - 5 * HOUR
    assert checkpoint_window(state, window, [unread_below(window.start, T0, oldest)])
    assert raw["pending"]["ranges"] == [["2023-01-01T00:00:00.000Z", "2026-11-10T07:00:00.001Z"]]
    assert "synced_until" not in raw  # the watermark waits for the whole range
    resumed = plan_window(state, RunBounds(run_end=T0 + HOUR))
    assert (resumed.start, resumed.end, resumed.until) == (settings.EARLIEST_DATA, oldest + MS, T0)


def test_sub_windows_left_unread_are_pending_together_and_the_watermark_moves_once_all_are_read():
    raw: dict = {}
    state = ProjectState(raw)
    window = plan_window(state, RunBounds(run_end=T0))
    # Three sub-windows read concurrently: the newest finished, the middle one half, the oldest not begun.
    unread = [(T0 - 2 * HOUR, T0 - 90 * timedelta(minutes=1) + MS), (settings.EARLIEST_DATA, T0 - 10 * HOUR)]
    assert checkpoint_window(state, window, unread)
    resumed = plan_window(state, RunBounds(run_end=T0 + HOUR))
    assert resumed.ranges == unread and resumed.until == T0 and "synced_until" not in raw
    complete_window(state, resumed)
    assert raw == {"synced_until": "2026-11-10T12:00:00.000Z"}


def test_touching_unread_parts_are_kept_as_one_range():
    state = ProjectState({})
    window = plan_window(state, RunBounds(run_end=T0))
    assert checkpoint_window(state, window, [(T0 - 2 * HOUR, T0 - HOUR), (T0 - 3 * HOUR, T0 - 2 * HOUR)])
    assert state.pending.ranges == [(T0 - 3 * HOUR, T0 - HOUR)]


def test_a_chunk_of_rows_sharing_one_timestamp_cannot_checkpoint():
    raw: dict = {}
    state = ProjectState(raw)
    window = plan_window(state, RunBounds(run_end=T0))
    window.ranges = [(window.start, T0 - HOUR + MS)]
    assert not checkpoint_window(state, window, [unread_below(window.start, T0 - HOUR + MS, T0 - HOUR)])
    assert "pending" not in raw


def test_a_pending_range_written_before_sub_windows_is_still_resumed():
    state = ProjectState({"synced_until": "2026-11-01T00:00:00.000Z", "more_pending": True, "pending": {
        "from": "2026-11-09T00:00:00.000Z", "to": "2026-11-10T07:00:00.001Z", "until": "2026-11-10T12:00:00.000Z",
        "explicit": False}})
    resumed = plan_window(state, RunBounds(run_end=T0 + HOUR))
    assert resumed.ranges == [(T0 - 36 * HOUR, T0 - 5 * HOUR + MS)] and resumed.until == T0


def test_an_explicit_backfill_does_not_jump_the_watermark_over_a_gap():
    raw = {"synced_until": "2026-11-10T12:00:00.000Z"}
    state = ProjectState(raw)
    later = RunBounds(run_end=T0 + 48 * HOUR, since=T0 + 24 * HOUR, until=T0 + 36 * HOUR)
    complete_window(state, plan_window(state, later))
    assert raw["synced_until"] == "2026-11-10T12:00:00.000Z"
    joining = RunBounds(run_end=T0 + 48 * HOUR, since=T0 - HOUR, until=T0 + 36 * HOUR)
    complete_window(state, plan_window(state, joining))
    assert raw["synced_until"] == "2026-11-12T00:00:00.000Z"
