"""The sync's state: the one module that knows how it is laid out in dlt's pipeline state.

dlt keeps a resource's state in the pipeline state and commits it atomically with the rows of the
same load, so a crash never separates the two. Per resource and project it holds::

    state["sources"]["langfuse"]["resources"][resource]["projects"][project_id] = {
        "synced_until": ISO,      # everything of the resource before it has been read
        "pending": {              # a time range still being read (a backfill cut into loads)
            "from": ISO,          #   where the range started (decides whether the watermark may join it)
            "until": ISO,         #   the watermark once every part of it is read
            "explicit": bool,     #   asked for with --since/--until
            "ranges": [[ISO, ISO], ...],  # the closed-open parts not read yet, newest first
            "to": ISO},           #   the newest unread instant (what versions before "ranges" read)
        "fingerprint": hex,       # a full read's content, to skip loading an unchanged snapshot
        "last_run_rows": int, "last_run_at": ISO,
        "export": {               # what was loaded from Langfuse's blob-storage export (``export/``)
            "url": str,           #   where from (credentials redacted)
            "manifests": {name: {"rows": int, "window_max": ISO} or {"rows": 0, "skipped": why}},
            "since": ISO, "until": ISO,  # the windows loaded, oldest start to newest end
            "rows": int,          #   rows loaded from it, over every run
            "pending": bool}}     #   manifests left for another load of this run

``ProjectState`` (with ``ExportProgress`` for the export's part) is the typed view the sources write
through; ``SyncState`` is what the commands (sync, status, reconcile) read. A range still ``pending``
is the one fact "this resource has more to read": no separate flag can disagree with it.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sources.langfuse.windows import Window, format_ts, parse_ts


class ProjectState:
    """One resource of one project: a typed view over its dict in dlt's resource state."""

    def __init__(self, raw: dict[str, Any]):
        self._raw = raw
        # "more_pending" (a flag beside "pending", written before the two were one fact) means nothing now.
        raw.pop("more_pending", None)

    @property
    def synced_until(self) -> datetime | None:
        value = self._raw.get("synced_until")
        return parse_ts(value) if value else None

    @synced_until.setter
    def synced_until(self, value: datetime) -> None:
        self._raw["synced_until"] = format_ts(value)

    @property
    def pending(self) -> Window | None:
        pending = self._raw.get("pending")
        return Window.from_state(pending) if pending else None

    @pending.setter
    def pending(self, window: Window | None) -> None:
        if window is None or not window.ranges:
            self._raw.pop("pending", None)
        else:
            self._raw["pending"] = window.to_state()

    @property
    def fingerprint(self) -> str | None:
        return self._raw.get("fingerprint")

    @fingerprint.setter
    def fingerprint(self, value: str) -> None:
        self._raw["fingerprint"] = value

    @property
    def last_run_at(self) -> str | None:
        return self._raw.get("last_run_at")

    @property
    def last_run_rows(self) -> int | None:
        return self._raw.get("last_run_rows")

    def record_run(self, rows: int, at: datetime) -> None:
        self._raw["last_run_rows"] = rows
        self._raw["last_run_at"] = at.isoformat()

    @property
    def export(self) -> ExportProgress:
        """What the export loader has loaded (empty when it never ran; written only by ``start_export``)."""
        return ExportProgress(self._raw.get("export", {}))

    def start_export(self, url: str) -> ExportProgress:
        """The export's progress to write, from ``url`` (the export read now)."""
        raw = self._raw.setdefault("export", {"url": url, "manifests": {}})
        raw["url"] = url
        return ExportProgress(raw)

    def forget(self) -> None:
        """--full-refresh: the next read starts from nothing (cleared in the same load that rereads)."""
        self._raw.clear()

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self._raw)

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Back to ``snapshot``: a resource that failed alone keeps the state its last commit left."""
        self._raw.clear()
        self._raw.update(snapshot)


class ExportProgress:
    """The manifests of Langfuse's blob-storage export loaded for one resource of one project."""

    def __init__(self, raw: dict[str, Any]):
        self._raw = raw

    def is_loaded(self, manifest: str) -> bool:
        return manifest in self._raw.get("manifests", {})

    @property
    def manifests(self) -> dict[str, dict[str, Any]]:
        return dict(self._raw.get("manifests", {}))

    def loaded(self, manifest: str, rows: int, window_min: datetime, window_max: datetime) -> None:
        """``manifest``'s rows are in this load: its window joins the loaded span."""
        self._raw.setdefault("manifests", {})[manifest] = {"rows": rows, "window_max": format_ts(window_max)}
        if self.until is None or self.until < window_max:
            self._raw["until"] = format_ts(window_max)
        if self.since is None or self.since > window_min:
            self._raw["since"] = format_ts(window_min)
        self.add_rows(rows)

    def skipped(self, manifest: str, why: str) -> None:
        self._raw.setdefault("manifests", {})[manifest] = {"rows": 0, "skipped": why}

    def add_rows(self, rows: int) -> None:
        self._raw["rows"] = self.rows + rows

    @property
    def rows(self) -> int:
        return self._raw.get("rows", 0)

    @property
    def since(self) -> datetime | None:
        return parse_ts(self._raw["since"]) if self._raw.get("since") else None

    @property
    def until(self) -> datetime | None:
        """The end of the newest window loaded (None before any)."""
        return parse_ts(self._raw["until"]) if self._raw.get("until") else None

    @property
    def pending(self) -> bool:
        return bool(self._raw.get("pending", False))

    @pending.setter
    def pending(self, value: bool) -> None:
        self._raw["pending"] = value


def project_state(resource_state: dict[str, Any], project_id: str) -> ProjectState:
    """The writable state of one project inside a resource's state (``dlt.current.resource_state()``)."""
    return ProjectState(resource_state.setdefault("projects", {}).setdefault(project_id, {}))


class SyncState:
    """The committed state of every resource and project, read from a pipeline's state (read-only)."""

    def __init__(self, pipeline_state: dict[str, Any]):
        resources = pipeline_state.get("sources", {}).get("langfuse", {}).get("resources", {})
        # Copies: reading must never write (ProjectState drops a stale key as it opens a dict).
        self._resources = copy.deepcopy(resources)

    def projects(self) -> Iterator[tuple[str, str, ProjectState]]:
        """(resource, project_id, state), sorted."""
        for resource, resource_state in sorted(self._resources.items()):
            for project_id, raw in sorted(resource_state.get("projects", {}).items()):
                yield resource, project_id, ProjectState(raw)

    def project(self, resource: str, project_id: str) -> ProjectState | None:
        raw = self._resources.get(resource, {}).get("projects", {}).get(project_id)
        return None if raw is None else ProjectState(raw)

    def watermark(self, resource: str, project_id: str) -> datetime | None:
        state = self.project(resource, project_id)
        return None if state is None else state.synced_until

    def has_pending(self, resources: Collection[str] | None = None,
                    skip: Collection[tuple[str, str]] = ()) -> bool:
        """Whether a range is still to read, among ``resources`` (all when None), leaving out the
        (resource, project) pairs in ``skip`` (those that failed this run: they wait for the next)."""
        return any(
            state.pending is not None or state.export.pending
            for resource, project_id, state in self.projects()
            if (resources is None or resource in resources) and (resource, project_id) not in skip
        )
