"""`langfuse-warehouse status`: where each resource stands, read from dlt's state and the warehouse."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dlt

from pipelines.dlt_state import repair_local_state
from pipelines.location import WarehouseLocation
from pipelines.sync import make_pipeline
from sources.langfuse.state import SyncState
from sources.langfuse.windows import format_ts, parse_ts

# A resource whose watermark is older than this is reported as behind.
BEHIND_AFTER = timedelta(hours=26)


@dataclass
class ResourceStatus:
    resource: str
    project_id: str
    synced_until: str | None
    pending: bool
    last_run_at: str | None
    last_run_rows: int | None
    rows: int | None
    export_until: str | None = None  # the end of the last blob-storage export window loaded
    export_rows: int | None = None

    @property
    def behind(self) -> bool:
        if self.pending:
            return True
        if self.synced_until is None:
            return False  # a full-refresh resource: it has no watermark to fall behind
        return datetime.now(UTC) - parse_ts(self.synced_until) > BEHIND_AFTER

    def lag(self, now: datetime) -> timedelta | None:
        """How far behind Langfuse the warehouse is: now − watermark; for a full-refresh resource (no
        watermark), now − its last run."""
        since = self.synced_until or self.last_run_at
        return now - parse_ts(since) if since else None

    def as_json(self, now: datetime) -> dict:
        lag = self.lag(now)
        return {"resource": self.resource, "project_id": self.project_id, "watermark": self.synced_until,
                "lag_seconds": None if lag is None else round(lag.total_seconds(), 3),
                "lag_from": "watermark" if self.synced_until else "last_run" if self.last_run_at else None,
                "pending": self.pending, "behind": self.behind, "rows": self.rows,
                "last_run_at": self.last_run_at, "last_run_rows": self.last_run_rows}


def _attach(location: WarehouseLocation) -> dlt.Pipeline:
    pipeline, _ = repair_local_state(make_pipeline(location))
    pipeline.sync_destination()  # the warehouse holds the state of the last committed load
    return pipeline


def _row_counts(pipeline: dlt.Pipeline) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    try:
        with pipeline.sql_client() as client:
            for table in pipeline.default_schema.data_table_names():
                for project_id, count in client.execute_sql(
                    f"select project_id, count(*) from {client.make_qualified_table_name(table)} group by 1"
                ):
                    counts[(table, project_id)] = count
    except Exception:  # a destination without SQL (filesystem) has no cheap count
        return {}
    return counts


def collect_status(pipeline: dlt.Pipeline) -> list[ResourceStatus]:
    counts = _row_counts(pipeline)
    out = []
    for name, project_id, state in SyncState(pipeline.state).projects():
        out.append(ResourceStatus(
            resource=name, project_id=project_id,
            synced_until=format_ts(state.synced_until) if state.synced_until else None,
            pending=state.pending is not None, last_run_at=state.last_run_at,
            last_run_rows=state.last_run_rows, rows=counts.get((name, project_id)),
            export_until=format_ts(state.export.until) if state.export.until else None,
            export_rows=state.export.rows if state.export.until else None,
        ))
    return out


def format_lag(lag: timedelta | None) -> str:
    if lag is None:
        return "-"
    seconds = int(lag.total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    return f"{days}d {hours}h" if days else f"{hours}h {rest // 60}m" if hours else f"{rest // 60}m {rest % 60}s"


def status_json(statuses: list[ResourceStatus], now: datetime) -> str:
    """For monitoring: every resource and project, and per project its largest lag."""
    projects: dict[str, dict] = {}
    for s in statuses:
        lag = s.lag(now)
        project = projects.setdefault(s.project_id, {"max_lag_seconds": None, "behind": False, "pending": False})
        if s.synced_until and lag is not None:  # watermarks only: a full refresh says nothing of freshness
            project["max_lag_seconds"] = max(project["max_lag_seconds"] or 0.0, round(lag.total_seconds(), 3))
        project["behind"] |= s.behind
        project["pending"] |= s.pending
    return json.dumps({"checked_at": now.isoformat(), "behind_after_seconds": BEHIND_AFTER.total_seconds(),
                       "projects": projects, "resources": [s.as_json(now) for s in statuses]}, indent=2)


def print_status(location: WarehouseLocation, as_json: bool = False) -> None:
    statuses = collect_status(_attach(location))
    now = datetime.now(UTC)
    if as_json:
        print(status_json(statuses, now))
        return
    print(f"Warehouse: {location.describe()}")
    if not statuses:
        print("No sync has run against this warehouse yet.")
        return
    with_export = any(s.export_until for s in statuses)
    header = ("resource", "project", "watermark", "lag", "rows", "last run", "last run rows", "state",
              *(("from the export",) if with_export else ()))
    lines = [header]
    for s in statuses:
        state = "PENDING (rerun sync)" if s.pending else "BEHIND" if s.behind else "ok"
        export = (f"{s.export_rows or 0:,} rows up to {s.export_until}" if s.export_until else "-",)
        lines.append((s.resource, s.project_id, s.synced_until or "full refresh", format_lag(s.lag(now)),
                      "-" if s.rows is None else f"{s.rows:,}", (s.last_run_at or "-")[:19],
                      "-" if s.last_run_rows is None else f"{s.last_run_rows:,}", state,
                      *(export if with_export else ())))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))
