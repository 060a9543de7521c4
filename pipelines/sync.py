"""One sync: connect to each project, pick the API generation, load until nothing is pending."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.common.destination.exceptions import DestinationException
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines.dlt_state import repair_local_state
from pipelines.export import load_export
from pipelines.location import WarehouseLocation, locate_warehouse
from pipelines.lock import warehouse_lock
from pipelines.reconcile import ReconcileReport, check_destination, reconcile
from pipelines.recovery import clear_half_committed_packages, deduplicate_interrupted_loads
from sources.langfuse import Connection, LangfuseProject, connect, detect_api, langfuse_source
from sources.langfuse import settings as source_settings
from sources.langfuse.engine import Privacy
from sources.langfuse.errors import ConfigurationError, EndpointNotAvailableError, LangfuseSyncError
from sources.langfuse.failures import FailureLog, ResourceFailure
from sources.langfuse.http import RetryPolicy
from sources.langfuse.memory import release_freed_memory
from sources.langfuse.specs import table_names
from sources.langfuse.windows import floor_ms

log = logging.getLogger("langfuse_warehouse.sync")

PIPELINE_NAME = "langfuse_warehouse"
DATASET_NAME = "langfuse"


@dataclass
class SyncOptions:
    projects: Sequence[LangfuseProject]
    destination: str = "duckdb"
    database: str = "warehouse.duckdb"  # duckdb file, or the filesystem destination's bucket_url
    dataset_name: str = DATASET_NAME
    pipelines_dir: str | None = None
    api: str = "auto"
    resources: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    lookback: timedelta = source_settings.DEFAULT_LOOKBACK
    settle_delay: timedelta = source_settings.DEFAULT_SETTLE_DELAY
    chunk_rows: int = source_settings.DEFAULT_CHUNK_ROWS
    full_refresh: Sequence[str] = ()
    max_rpm: float | None = None
    privacy: Privacy = field(default_factory=Privacy)
    retry: RetryPolicy | None = None
    timeout: float = source_settings.REQUEST_TIMEOUT_SECONDS
    max_rounds: int = 10_000
    duckdb_memory_limit: str = "96MB"
    # After the incremental rounds, compare the last N days with the API: mark deletes, refetch changes.
    reconcile_days: int | None = None
    # Wait for another sync of the same warehouse to finish instead of stopping at once.
    wait_for_lock: bool = False

    def location(self) -> WarehouseLocation:
        return locate_warehouse(self.destination, self.database, self.dataset_name, self.pipelines_dir)
    # Load Langfuse's blob-storage export (observations, scores) first; the API reads on from its end.
    from_export: str | None = None


@dataclass
class SyncReport:
    api: str
    project_ids: list[str]
    rows: Counter[str] = field(default_factory=Counter)
    loads: int = 0
    requests: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    reconcile: ReconcileReport | None = None
    warehouse: str = ""  # what was written: destination, absolute path or URL, dataset
    state_repair: str | None = None  # said when the local working state was repaired from the warehouse
    failures: list[ResourceFailure] = field(default_factory=list)  # resources that stopped alone
    export_rows: Counter[str] = field(default_factory=Counter)

    @property
    def nothing_new(self) -> bool:
        return sum(self.rows.values()) + sum(self.export_rows.values()) == 0

    @property
    def failed(self) -> list[ResourceFailure]:
        return [f for f in self.failures if not f.unavailable]

    @property
    def unavailable(self) -> list[ResourceFailure]:
        return [f for f in self.failures if f.unavailable]

    @property
    def partial(self) -> bool:
        """Some resource could not be read (an endpoint an older server lacks does not count)."""
        return bool(self.failed)


def make_pipeline(location: WarehouseLocation, duckdb_memory_limit: str = "96MB") -> dlt.Pipeline:
    if location.destination == "duckdb":
        # DuckDB would take 80% of RAM for a merge; a cap (and one thread, whose buffers the cap
        # then covers) makes it spill instead, keeping a nightly load's memory flat however large the
        # backfill. Raise it (--duckdb-memory) if rows of many MB each ever exhaust it.
        credentials = DuckDbCredentials(location.database, global_config={"memory_limit": duckdb_memory_limit, "preserve_insertion_order": False, "threads": 1})
        destination: Any = dlt.destinations.duckdb(credentials)
    elif location.destination == "filesystem":
        destination = dlt.destinations.filesystem(location.database)
    else:
        destination = location.destination  # any dlt destination, configured the dlt way
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        destination=destination,
        dataset_name=location.dataset,
        pipelines_dir=location.pipelines_dir,
        progress="log" if log.isEnabledFor(logging.DEBUG) else None,
    )


def _loader_format(options: SyncOptions) -> str | None:
    return "parquet" if options.destination == "filesystem" else None


def _connect_all(options: SyncOptions) -> list[Connection]:
    connections = []
    try:
        for project in options.projects:
            connections.append(connect(project, max_rpm=options.max_rpm, retry=options.retry, timeout=options.timeout))
    except Exception:
        for connection in connections:
            connection.client.close()
        raise
    return connections


def _pending(pipeline: dlt.Pipeline) -> bool:
    resources = pipeline.state.get("sources", {}).get("langfuse", {}).get("resources", {})
    return any(
        project.get("more_pending")
        for resource in resources.values()
        for project in resource.get("projects", {}).values()
    )


def run_sync(options: SyncOptions) -> SyncReport:
    started = datetime.now(UTC)
    if options.reconcile_days:
        check_destination(options.destination)
    location = options.location()
    with warehouse_lock(location.lock_path, location.describe(), wait=options.wait_for_lock):
        report = _run_locked(options, location, started)
    report.seconds = (datetime.now(UTC) - started).total_seconds()
    return report


def _run_locked(options: SyncOptions, location: WarehouseLocation, started: datetime) -> SyncReport:
    connections = _connect_all(options)
    try:
        api = options.api if options.api != "auto" else _detect_api(connections[0])
        report = SyncReport(api=api, project_ids=[c.project_id for c in connections],
                            warehouse=location.describe())
        pipeline = make_pipeline(location, options.duckdb_memory_limit)
        clear_half_committed_packages(pipeline.working_dir)
        deduplicate_interrupted_loads(pipeline.working_dir)
        pipeline, report.state_repair = repair_local_state(pipeline)
        run_end = floor_ms(started - options.settle_delay)
        failures = FailureLog()
        if options.from_export:
            try:
                report.export_rows, report.loads = load_export(
                    pipeline, options.from_export, connections, api, resources=options.resources,
                    privacy=options.privacy, chunk_rows=options.chunk_rows,
                    loader_file_format=_loader_format(options), is_pending=_pending)
            except Exception as error:
                raise _unwrap(error, api, location.describe()) from None
        for round_number in range(options.max_rounds):
            source = langfuse_source(
                connections, api=api, resources=options.resources, run_end=run_end, since=options.since,
                until=options.until, lookback=options.lookback, chunk_rows=options.chunk_rows,
                privacy=options.privacy, full_refresh=options.full_refresh if round_number == 0 else (),
                failures=failures,
            )
            try:
                pipeline.run(source, loader_file_format=_loader_format(options))
            except Exception as error:
                raise _unwrap(error, api, location.describe()) from None
            report.loads += 1
            release_freed_memory()  # the next round starts lean: its load adds DuckDB's memory again
            trace = pipeline.last_trace
            if trace and trace.last_normalize_info:
                for table, count in trace.last_normalize_info.row_counts.items():
                    if not table.startswith("_dlt"):
                        report.rows[table] += count
            if not _pending(pipeline):
                break
        report.failures = [_with_hint(f, api) for f in failures.failures]
        if options.reconcile_days:
            # A resource that could not be read this run is not compared either.
            read = [name for name in options.resources or table_names(api)
                    if name not in {f.resource for f in report.failures}]
            try:
                report.reconcile = reconcile(pipeline, connections, api, options.reconcile_days,
                                             privacy=options.privacy, resources=read, now=started)
            except Exception as error:
                raise _unwrap(error, api, location.describe()) from None
        for connection in connections:
            report.requests += connection.client.stats.requests
            report.retries.update(connection.client.stats.retries)
    finally:
        for connection in connections:
            connection.client.close()
    return report


def _detect_api(connection: Connection) -> str:
    try:
        return detect_api(connection.client)
    except LangfuseSyncError as error:
        # Without this, a failing probe reads like a failing observations sync.
        raise type(error)(
            f"detecting the API version of {connection.project.host} (--api auto): {error}. "
            "Pass --api v4 or --api legacy to skip detection."
        ) from None


LEGACY_HINT = "If this is a self-hosted Langfuse v3 server, use --api legacy."


def _with_hint(failure: ResourceFailure, api: str) -> ResourceFailure:
    """Only a missing /v2/observations says the server is not v4; any other 404 is one endpoint."""
    if api == "v4" and failure.resource == "observations" and isinstance(failure.error, EndpointNotAvailableError):
        return replace(failure, error=EndpointNotAvailableError(f"{failure.error}. {LEGACY_HINT}"))
    return failure


class _LoadJobFailuresReportedOnce(logging.Filter):
    """dlt logs a traceback for every load job the warehouse failed or retried (each table, each retry);
    when the load gives up, `_unwrap` makes that one error line. Shown with -v."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        job_failure = message.startswith(("Transient exception in job ", "Job for ")) or "was not fully loaded" in message
        return not job_failure or log.isEnabledFor(logging.INFO)


logging.getLogger("dlt").addFilter(_LoadJobFailuresReportedOnce())


def _unwrap(error: Exception, api: str, warehouse: str) -> Exception:
    """dlt wraps errors raised inside resources; surface ours with a hint where one helps. A warehouse
    that fails under dlt (server stopped, connection cut) is one line naming it and the innermost cause,
    not dlt's traceback: the load package stays pending and the next run loads it (merge: no doubles)."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        if isinstance(cause, LangfuseSyncError):
            step = getattr(error, "step", None)
            return type(cause)(f"{cause}" + (f" (during {step})" if step else ""))
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(link, DestinationException) for link in chain):
        reason = next((line.strip() for line in str(chain[-1]).splitlines() if line.strip()), type(chain[-1]).__name__)
        step = getattr(error, "step", "load")
        return LangfuseSyncError(f"the warehouse {warehouse} failed during {step}: {reason}. What earlier loads "
                                 "committed stays; the next run loads the rest")
    return error


__all__ = ["SyncOptions", "SyncReport", "run_sync", "make_pipeline", "ConfigurationError"]
