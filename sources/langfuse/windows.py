"""Incremental windows: which closed-open [from, to) range of event time a run reads.

Why not ``dlt.sources.incremental``: it tracks the largest cursor value *seen*, which does not move
across an empty range and, given an ``end_value``, leaves state untouched. A nightly sync needs the
opposite: a watermark that is the run's frozen upper bound (``run_end``) whether or not rows
arrived, a look-back below it for late upserts, and a checkpoint inside a long backfill. The state
lives in dlt's resource state, so it is committed atomically with the rows of the same load.

State per resource and project::

    {"synced_until": ISO,                             # everything before it has been read
     "pending": {"from": ISO, "to": ISO, "until": ISO}}  # a range still being read, newest first;
                                                        # "to" shrinks as chunks commit
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sources.langfuse import settings

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


@dataclass
class Window:
    start: datetime
    end: datetime  # exclusive; shrinks as chunks are committed
    until: datetime  # the watermark once the whole range is read
    explicit: bool

    def to_state(self) -> dict[str, str | bool]:
        return {"from": format_ts(self.start), "to": format_ts(self.end), "until": format_ts(self.until),
                "explicit": self.explicit}


def plan_window(state: dict[str, Any], bounds: RunBounds) -> Window | None:
    """The range to read now, continuing an interrupted one first; None when there is nothing new."""
    upper = floor_ms(min(bounds.until or bounds.run_end, bounds.run_end))
    pending = state.get("pending")
    if pending and _continues(pending, bounds, upper):
        return Window(parse_ts(pending["from"]), parse_ts(pending["to"]), parse_ts(pending["until"]),
                      bool(pending.get("explicit")))
    if bounds.since is not None:
        lower = bounds.since
    elif state.get("synced_until"):
        lower = parse_ts(state["synced_until"]) - bounds.lookback
    else:
        lower = settings.EARLIEST_DATA
    if lower >= upper:
        return None
    return Window(lower, upper, upper, bounds.explicit)


def _continues(pending: dict[str, Any], bounds: RunBounds, upper: datetime) -> bool:
    """An interrupted range resumes unless the user now asks for a different explicit range."""
    if not bounds.explicit:
        return True
    same_start = bounds.since is None or parse_ts(pending["from"]) == bounds.since
    return bool(pending.get("explicit")) and same_start and parse_ts(pending["until"]) == upper


def complete_window(state: dict[str, Any], window: Window) -> None:
    state.pop("pending", None)
    previous = state.get("synced_until")
    if previous is None:
        if not window.explicit or window.start <= settings.EARLIEST_DATA:
            state["synced_until"] = format_ts(window.until)
        return
    # An explicit backfill moves the watermark only when it joins on to what was already read.
    if window.start <= parse_ts(previous) and window.until > parse_ts(previous):
        state["synced_until"] = format_ts(window.until)


def checkpoint_window(state: dict[str, Any], window: Window, oldest_seen: datetime) -> bool:
    """After a chunk committed newest-first, shrink the range to what is still unread.

    Rows at exactly ``oldest_seen`` may continue on the next page, so the new bound keeps that
    millisecond (they are read again and merged). Returns False when the range cannot shrink (a chunk
    of rows that all share one timestamp): the caller then keeps reading instead of stopping.
    """
    new_end = floor_ms(oldest_seen) + ONE_MS
    if new_end >= window.end:
        return False
    window.end = new_end
    state["pending"] = window.to_state()
    return True
