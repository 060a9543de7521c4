"""Incremental windows: what a run reads, and how the watermark and checkpoints move."""

from datetime import UTC, datetime, timedelta

from sources.langfuse import settings
from sources.langfuse.windows import RunBounds, checkpoint_window, complete_window, plan_window

T0 = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_first_run_reads_from_the_beginning_of_langfuse_to_the_frozen_run_end():
    window = plan_window({}, RunBounds(run_end=T0))
    assert (window.start, window.end) == (settings.EARLIEST_DATA, T0)


def test_next_run_starts_one_lookback_before_the_watermark():
    state: dict = {}
    complete_window(state, plan_window(state, RunBounds(run_end=T0)))
    assert state == {"synced_until": "2026-11-10T12:00:00.000Z"}
    window = plan_window(state, RunBounds(run_end=T0 + 24 * HOUR, lookback=HOUR))
    assert (window.start, window.end) == (T0 - HOUR, T0 + 24 * HOUR)


def test_the_watermark_moves_to_run_end_even_when_nothing_arrived():
    state = {"synced_until": "2026-11-10T12:00:00.000Z"}
    complete_window(state, plan_window(state, RunBounds(run_end=T0 + HOUR)))
    assert state["synced_until"] == "2026-11-10T13:00:00.000Z"


def test_nothing_to_read_when_the_lookback_window_is_empty():
    state = {"synced_until": "2026-11-10T12:00:00.000Z"}
    assert plan_window(state, RunBounds(run_end=T0 - 2 * HOUR, lookback=HOUR)) is None


def test_a_checkpoint_keeps_the_oldest_millisecond_seen_so_ties_are_reread_not_lost():
    state: dict = {}
    window = plan_window(state, RunBounds(run_end=T0))
    oldest = T0 - 5 * HOUR
    assert checkpoint_window(state, window, oldest)
    assert state["pending"]["to"] == "2026-11-10T07:00:00.001Z"
    resumed = plan_window(state, RunBounds(run_end=T0 + HOUR))
    expected = (settings.EARLIEST_DATA, oldest + timedelta(milliseconds=1), T0)
    assert (resumed.start, resumed.end, resumed.until) == expected


def test_a_chunk_of_rows_sharing_one_timestamp_cannot_checkpoint():
    state: dict = {}
    window = plan_window(state, RunBounds(run_end=T0))
    window.end = T0 - HOUR + timedelta(milliseconds=1)
    assert not checkpoint_window(state, window, T0 - HOUR)
    assert "pending" not in state


def test_an_explicit_backfill_does_not_jump_the_watermark_over_a_gap():
    state = {"synced_until": "2026-11-10T12:00:00.000Z"}
    later = RunBounds(run_end=T0 + 48 * HOUR, since=T0 + 24 * HOUR, until=T0 + 36 * HOUR)
    complete_window(state, plan_window(state, later))
    assert state["synced_until"] == "2026-11-10T12:00:00.000Z"
    joining = RunBounds(run_end=T0 + 48 * HOUR, since=T0 - HOUR, until=T0 + 36 * HOUR)
    complete_window(state, plan_window(state, joining))
    assert state["synced_until"] == "2026-11-12T00:00:00.000Z"
