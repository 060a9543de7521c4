"""Progress of a sync and of a marts build: live on a terminal (rich), plain periodic lines otherwise.

A backfill of millions of rows takes minutes to hours; a silent run looks hung. On a terminal the sync
shows per resource and project the window being read, rows, pages and rate, redrawn in place; under
cron or CI (no terminal) it prints one plain line per active resource every
LANGFUSE_WAREHOUSE_PROGRESS_SECONDS (default 10) and one when a resource is done. `--quiet` shows
neither. Progress goes to stderr: stdout keeps the run's summary for whoever parses it.

dlt's own collectors (`progress="log"`, tqdm, enlighten, alive_progress) count items per resource but
know nothing of pages or of the time window being read, and have no rich renderer: this listens to the
engine instead (``sources.langfuse.progress``) and to dbt's node events (``transforms.dbt``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from sources.langfuse import progress as engine_progress

INTERVAL_ENV = "LANGFUSE_WAREHOUSE_PROGRESS_SECONDS"


@dataclass
class Tally:
    resource: str
    project_id: str
    started: float = field(default_factory=time.monotonic)
    rows: int = 0
    pages: int = 0
    window: str = "full read"
    done: bool = False
    ended: float | None = None

    @property
    def rate(self) -> float:
        seconds = (self.ended or time.monotonic()) - self.started
        return self.rows / seconds if seconds > 0 else 0.0

    def line(self) -> str:
        state = "done" if self.done else "reading"
        return (f"{self.resource} [{self.project_id}] {state}: {self.rows:,} rows, {self.pages:,} pages, "
                f"{self.rate:,.0f} rows/s, window {self.window}")


class SyncProgress(engine_progress.ReadListener):
    """Tallies what the engine reads; subclasses show it."""

    def __init__(self) -> None:
        self.tallies: dict[tuple[str, str], Tally] = {}
        self._lock = threading.Lock()

    def _tally(self, resource: str, project_id: str) -> Tally:
        key = (resource, project_id)
        tally = self.tallies.get(key)
        if tally is None or tally.done:  # a later round of the same resource starts a new count
            tally = self.tallies[key] = Tally(resource, project_id)
        return tally

    def window(self, resource: str, project_id: str, start: str, end: str) -> None:
        with self._lock:
            self._tally(resource, project_id).window = f"[{start}, {end})"
        self.changed()

    def page(self, resource: str, project_id: str, rows: int) -> None:
        with self._lock:
            tally = self._tally(resource, project_id)
            tally.rows += rows
            tally.pages += 1
        self.changed()

    def finished(self, resource: str, project_id: str) -> None:
        with self._lock:
            tally = self._tally(resource, project_id)
            tally.done, tally.ended = True, time.monotonic()
        self.resource_done(tally)

    def changed(self) -> None:
        pass

    def resource_done(self, tally: Tally) -> None:
        pass

    def model(self, phase: str, name: str, status: str) -> None:
        """A dbt model started ("start") or finished ("finish", with its status)."""

    @contextmanager
    def shown(self) -> Iterator[None]:
        yield


class LineProgress(SyncProgress):
    """No terminal: a plain line per active resource every `interval` seconds, and one per resource done."""

    def __init__(self, stream: TextIO, interval: float) -> None:
        super().__init__()
        self.stream, self.interval = stream, interval
        self._last = time.monotonic()
        self._writing = threading.Lock()

    def _print(self, text: str) -> None:
        # One write per line, under a lock: dbt's threads and the sync's readers report at once, and
        # print() writes the text and its newline separately, so two lines could run into one.
        with self._writing:
            self.stream.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {text}\n")
            self.stream.flush()

    def changed(self) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        with self._lock:
            active = [tally for tally in self.tallies.values() if not tally.done]
        for tally in active:
            self._print(tally.line())

    def resource_done(self, tally: Tally) -> None:
        if tally.rows or tally.window != "full read":
            self._print(tally.line())

    def model(self, phase: str, name: str, status: str) -> None:
        if phase == "finish":
            self._print(f"marts: {name} {status}")


class LiveProgress(SyncProgress):
    """A terminal: a table redrawn in place (rich), one row per resource and project."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console

        super().__init__()
        self.console = Console(file=stream, force_terminal=True)
        self._models: dict[str, str] = {}

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(title="langfuse-warehouse", title_justify="left", expand=False)
        for heading, justify in (("resource", "left"), ("project", "left"), ("window", "left"),
                                 ("rows", "right"), ("pages", "right"), ("rows/s", "right"), ("", "left")):
            table.add_column(heading, justify=justify)  # type: ignore[arg-type]
        with self._lock:
            tallies = list(self.tallies.values())
            models = dict(self._models)
        for t in tallies:
            table.add_row(t.resource, t.project_id, t.window, f"{t.rows:,}", f"{t.pages:,}", f"{t.rate:,.0f}",
                          "[green]done[/]" if t.done else "[yellow]reading[/]")
        if models:
            building = [name for name, status in models.items() if status == "running"]
            finished = sum(status != "running" for status in models.values())
            now_building = f"; building {', '.join(building)}" if building else ""
            table.caption = f"marts: {finished} of the models done{now_building}"
        return table

    def model(self, phase: str, name: str, status: str) -> None:
        with self._lock:
            self._models[name] = "running" if phase == "start" else status

    @contextmanager
    def shown(self) -> Iterator[None]:
        from rich.live import Live

        with Live(self, console=self.console, refresh_per_second=4, transient=False):
            yield


def choose(quiet: bool, stream: TextIO | None = None) -> SyncProgress:
    stream = stream or sys.stderr
    if quiet:
        return SyncProgress()
    if stream.isatty() and os.environ.get("TERM") != "dumb":
        return LiveProgress(stream)
    return LineProgress(stream, float(os.environ.get(INTERVAL_ENV, "10")))


@contextmanager
def reporting(display: SyncProgress) -> Iterator[SyncProgress]:
    """Shows `display` while the block runs: the engine's reads and dbt's models reach it."""
    from transforms.dbt import listening, node_event

    def on_dbt_event(event: Any) -> None:
        node = node_event(event)
        if node is not None and node[1].startswith("model."):
            display.model(node[0], node[1].rsplit(".", 1)[-1], node[2])

    with display.shown(), engine_progress.reporting(display), listening(on_dbt_event):
        yield display

