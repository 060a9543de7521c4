"""Sub-windows of one range read concurrently: every row once, ties at a boundary on one side only,
and a checkpoint that resumes exactly where the committed rows end."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from sources.langfuse.concurrency import SubWindow, SubWindowReads
from sources.langfuse.state import ProjectState
from sources.langfuse.windows import RunBounds, Window, checkpoint_window, plan_window

START = datetime(2026, 1, 1, tzinfo=UTC)
END = START + timedelta(hours=2)
MID = START + timedelta(hours=1)  # where the first split of [START, END) falls
MS = timedelta(milliseconds=1)
PAGE = 50


def _rows() -> list[dict]:
    """Rows spread over the range, and 3 pages' worth tied on the boundary and its neighbours."""
    rows = [{"id": f"spread-{i}", "start_time": START + timedelta(seconds=7 * i)} for i in range(1000)]
    for moment, label in ((MID - MS, "before"), (MID, "at"), (MID + MS, "after")):
        rows += [{"id": f"{label}-{i}", "start_time": moment} for i in range(3 * PAGE)]
    return [r for r in rows if START <= r["start_time"] < END]


class FakeList:
    """A cursor list of ``rows`` in [from, to), newest first, ``PAGE`` rows a page; counts requests in flight."""

    def __init__(self, rows: list[dict], latency: float = 0.002):
        self.rows = sorted(rows, key=lambda r: (r["start_time"], r["id"]), reverse=True)
        self.latency = latency
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.queries: list[tuple[datetime, datetime]] = []

    def pages(self, part: tuple[datetime, datetime]):
        start, end = part
        with self.lock:
            self.queries.append(part)
        chosen = [r for r in self.rows if start <= r["start_time"] < end]
        for offset in range(0, len(chosen), PAGE):
            with self.lock:
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
            time.sleep(self.latency)
            with self.lock:
                self.in_flight -= 1
            yield chosen[offset:offset + PAGE]


def _table(page: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(page, schema=pa.schema([("id", pa.string()),
                                                        ("start_time", pa.timestamp("us", tz="UTC"))]))


def _read(listing: FakeList, ranges, workers: int, stop_after_rows: int | None = None):
    """Rows delivered, and what is left unread (after ``stop_after_rows``, as a checkpoint would)."""
    with ThreadPoolExecutor(workers) as pool:
        reads = SubWindowReads(ranges, fetch=listing.pages, to_table=_table, cursor_column="start_time",
                               pool=pool, target=lambda: workers, depth=4,
                               min_split_rows=2 * PAGE)
        ids = []
        tables = reads.tables()
        for table in tables:
            ids += table["id"].to_pylist()
            if stop_after_rows is not None and reads.delivered >= stop_after_rows:
                tables.close()
                break
        return ids, reads.unread()


def test_two_sub_windows_split_at_a_tied_millisecond_read_every_row_once_and_the_boundary_on_one_side():
    rows = _rows()
    listing = FakeList(rows)
    ids, unread = _read(listing, [(MID, END), (START, MID)], workers=2)
    assert sorted(set(ids)) == sorted(r["id"] for r in rows)
    assert unread == []
    # The boundary falls on the tied millisecond: [MID, END) reads it, [START, MID) never serves it.
    tied = [i for i in ids if i.startswith("at-")]
    assert len(tied) == len(set(tied)) == 3 * PAGE
    assert listing.peak > 1


def test_one_range_is_cut_for_idle_workers_once_its_pages_show_rows_left():
    rows = _rows()
    listing = FakeList(rows)
    ids, unread = _read(listing, [(START, END)], workers=4)
    assert set(ids) == {r["id"] for r in rows} and unread == []
    assert len(listing.queries) > 1 and listing.peak > 1


def test_a_split_gives_away_the_older_half_of_what_is_left():
    window = SubWindow(START, END)
    [older] = window.split()
    assert (older.start, older.end, window.start, window.end) == (START, MID, MID, END)
    window.fetched(100, MID + timedelta(minutes=30))
    assert window.rows_left() == 100  # as dense below as above
    assert window.split()[0].end == MID + timedelta(minutes=15)


def test_a_split_for_three_idle_workers_cuts_what_is_left_in_four_equal_closed_open_slices():
    window = SubWindow(START, END)  # two hours
    window.fetched(100, END - timedelta(minutes=40))  # its first page reached 40 minutes down
    slices = window.split(4)  # 80 minutes left: 20 each
    bounds = [(part.start, part.end) for part in slices] + [(window.start, window.end)]
    minutes = [timedelta(minutes=m) for m in (0, 20, 40, 60)]
    assert bounds == [(START + a, START + a + timedelta(minutes=20)) for a in minutes[:3]] + [(START + minutes[3], END)]


def test_slices_near_what_was_read_hold_a_few_pages_and_the_oldest_takes_the_rest():
    """A backfill's first window reaches back years: slice where the rows are known to be."""
    window = SubWindow(START, END)
    window.fetched(100, END - timedelta(minutes=40), END)  # 100 rows in the newest 40 minutes
    slices = window.split(4, most_rows=25)  # 25 rows: 10 minutes at that density
    bounds = [(part.start, part.end) for part in slices] + [(window.start, window.end)]
    ago = [END - timedelta(minutes=m) for m in (70, 60, 50)]
    assert bounds == [(START, ago[0]), (ago[0], ago[1]), (ago[1], ago[2]), (ago[2], END)]


def test_density_is_measured_over_the_rows_not_up_to_the_end_of_the_window():
    window = SubWindow(START, END + timedelta(days=30))  # the range ends now; the rows a month ago
    window.fetched(100, END - timedelta(minutes=40), END)
    assert window.rows_left() == 200  # 80 minutes left at 100 rows per 40 minutes


def test_a_range_too_short_to_cut_is_not_cut():
    window = SubWindow(START, START + timedelta(milliseconds=900))
    assert window.split(4) == []  # no slice may be shorter than half a second
    assert (window.start, window.end) == (START, START + timedelta(milliseconds=900))


def test_a_checkpoint_in_the_middle_of_concurrent_sub_windows_resumes_without_gap_or_double():
    rows = _rows()
    state = ProjectState({})
    window = plan_window(state, RunBounds(run_end=END, since=START, until=END))
    delivered: set[str] = set()
    loads = 0
    while window is not None and loads < 50:
        loads += 1
        ids, unread = _read(FakeList(rows), window.ranges, workers=4, stop_after_rows=300)
        delivered |= set(ids)
        if not checkpoint_window(state, window, unread):
            break
        window = state.pending
        if window is not None:
            # Everything outside the pending ranges has been delivered: nothing is skipped.
            outside = {r["id"] for r in rows if not any(s <= r["start_time"] < e for s, e in window.ranges)}
            assert outside <= delivered
    assert loads > 2
    assert delivered == {r["id"] for r in rows}


def test_a_window_of_several_pending_ranges_reads_only_those_ranges():
    rows = _rows()
    listing = FakeList(rows)
    pending = Window(START, END, False, [(MID, END), (START, START + timedelta(minutes=10))])
    ids, unread = _read(listing, pending.ranges, workers=3)
    expected = {r["id"] for r in rows if any(s <= r["start_time"] < e for s, e in pending.ranges)}
    assert set(ids) == expected and unread == []
