"""Incremental windows: which closed-open [from, to) range of event time a run reads.

Why not ``dlt.sources.incremental``: it tracks the largest cursor value *seen*, which does not move
across an empty range and, given an ``end_value``, leaves state untouched. A nightly sync needs the
opposite: a watermark that is the run's frozen upper bound (``run_end``) whether or not rows
arrived, a look-back below it for late upserts, and a checkpoint inside a long backfill. The state
lives in dlt's resource state, so it is committed atomically with the rows of the same load.

The state they read and write is laid out in ``state.py``: a watermark and the parts of a range
still pending (a long backfill is committed in chunks; with sub-windows read concurrently, several
disjoint parts of it may be left when a chunk commits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sources.langfuse import settings

if TYPE_CHECKING:
    from sources.langfuse.state import ProjectState

ONE_MS = timedelta(milliseconds=1)


def parse_ts(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def format_ts(value: datetime) -> str:
    """The API's own format: millisecond precision, Z."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def floor_ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class RunBounds:
    """What the user asked of this run: an explicit range, or 'whatever is new' up to run_end."""

    run_end: datetime  # frozen for the whole run: rows arriving later cannot shift pages
    lookback: timedelta = settings.DEFAULT_LOOKBACK
    since: datetime | None = None
    until: datetime | None = None

    @property
    def explicit(self) -> bool:
        return self.since is not None or self.until is not None


Range = tuple[datetime, datetime]  # closed-open [start, end)


@dataclass
class Window:
    """The time range a run reads: ``ranges`` (newest first) are its parts not read yet."""

    start: datetime
    until: datetime  # the watermark once the whole range is read
    explicit: bool
    ranges: list[Range] = field(default_factory=list)

    @property
    def end(self) -> datetime:
        """The newest instant still to read (exclusive)."""
        return max(end for _, end in self.ranges)

    @property
    def unread(self) -> float:
        """Seconds of event time still to read."""
        return sum((end - start).total_seconds() for start, end in self.ranges)

    def to_state(self) -> dict[str, Any]:
        return {"from": format_ts(self.start), "until": format_ts(self.until), "explicit": self.explicit,
                "ranges": [[format_ts(s), format_ts(e)] for s, e in self.ranges], "to": format_ts(self.end)}

    @classmethod
    def from_state(cls, pending: dict[str, Any]) -> Window:
        if "ranges" in pending:
            ranges = [(parse_ts(s), parse_ts(e)) for s, e in pending["ranges"]]
        else:  # written before sub-windows: one range [from, to), its "to" shrinking as chunks committed
            ranges = [(parse_ts(pending["from"]), parse_ts(pending["to"]))]
        return cls(parse_ts(pending["from"]), parse_ts(pending["until"]), bool(pending.get("explicit")), ranges)


def plan_window(state: ProjectState, bounds: RunBounds) -> Window | None:
    """The range to read now, continuing an interrupted one first; None when there is nothing new."""
    upper = floor_ms(min(bounds.until or bounds.run_end, bounds.run_end))
    pending = state.pending
    if pending is not None and _continues(pending, bounds, upper):
        return pending
    if bounds.since is not None:
        lower = bounds.since
    elif state.synced_until is not None:
        lower = state.synced_until - bounds.lookback
    else:
        lower = settings.EARLIEST_DATA
    if lower >= upper:
        return None
    return Window(lower, upper, bounds.explicit, [(lower, upper)])


def _continues(pending: Window, bounds: RunBounds, upper: datetime) -> bool:
    """An interrupted range resumes unless the user now asks for a different explicit range."""
    if not bounds.explicit:
        return True
    same_start = bounds.since is None or pending.start == bounds.since
    return pending.explicit and same_start and pending.until == upper


def complete_window(state: ProjectState, window: Window) -> None:
    state.pending = None
    previous = state.synced_until
    if previous is None:
        if not window.explicit or window.start <= settings.EARLIEST_DATA:
            state.synced_until = window.until
        return
    # An explicit backfill moves the watermark only when it joins on to what was already read.
    if window.start <= previous and window.until > previous:
        state.synced_until = window.until


def checkpoint_window(state: ProjectState, window: Window, unread: list[Range]) -> bool:
    """After a chunk committed, keep only the ``unread`` parts of the window as pending.

    The watermark does not move: it jumps to ``until`` once no part is left, so a crash at any
    point resumes exactly at what was committed. Returns False when nothing was read to the end
    (every part still whole: a chunk of rows sharing one timestamp): the caller keeps reading.
    """
    unread = merged(unread)
    if sum((e - s).total_seconds() for s, e in unread) >= window.unread:
        return False
    window.ranges = unread
    state.pending = window if unread else None
    return True


def unread_below(start: datetime, end: datetime, oldest_seen: datetime | None) -> Range | None:
    """What is left of [start, end) read newest first down to ``oldest_seen``.

    Rows at exactly ``oldest_seen`` may continue on the next page, so that millisecond stays unread
    (its rows are read again and merged on their keys).
    """
    new_end = end if oldest_seen is None else min(end, floor_ms(oldest_seen) + ONE_MS)
    return (start, new_end) if new_end > start else None


def merged(ranges: list[Range]) -> list[Range]:
    """Ranges joined where they touch, newest first."""
    out: list[Range] = []
    for start, end in sorted(ranges, key=lambda r: r[0], reverse=True):
        if out and end >= out[-1][0]:
            out[-1] = (min(start, out[-1][0]), max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out
