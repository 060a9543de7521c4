"""One sync: connect to each project, pick the API generation, load until nothing is pending."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt

from pipelines import defaults
from pipelines.dlt_state import repair_local_state
from pipelines.export import load_export
from pipelines.location import WarehouseLocation, locate_warehouse
from pipelines.lock import warehouse_lock
from pipelines.reconcile import ReconcileReport, check_destination, reconcile
from pipelines.recovery import clear_half_committed_packages, deduplicate_interrupted_loads
from sources.langfuse import Connection, Connections, LangfuseProject, detect_api, langfuse_source
from sources.langfuse import settings as source_settings
from sources.langfuse.dlt_compat import DestinationException, duckdb_destination
from sources.langfuse.errors import ConfigurationError, EndpointNotAvailableError, LangfuseSyncError, restated
from sources.langfuse.failures import FailureLog, ResourceFailure
from sources.langfuse.http import RetryPolicy
from sources.langfuse.memory import release_freed_memory
from sources.langfuse.privacy import Privacy
from sources.langfuse.specs import table_names
from sources.langfuse.state import SyncState
from sources.langfuse.windows import floor_ms

log = logging.getLogger("langfuse_warehouse.sync")


@dataclass
class SyncOptions:
    projects: Sequence[LangfuseProject]
    destination: str = defaults.DESTINATION
    database: str = defaults.DATABASE  # duckdb file, or the filesystem destination's bucket_url
    dataset_name: str = defaults.DATASET
    pipelines_dir: str | None = None
    api: str = "auto"
    resources: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    lookback: timedelta = source_settings.DEFAULT_LOOKBACK
    settle_delay: timedelta = source_settings.DEFAULT_SETTLE_DELAY
    chunk_rows: int = source_settings.DEFAULT_CHUNK_ROWS
    concurrency: int | None = None  # requests in flight per resource; None: automatic
    full_refresh: Sequence[str] = ()
    max_rpm: float | None = None
    privacy: Privacy = field(default_factory=Privacy)
    retry: RetryPolicy | None = None
    timeout: float = source_settings.REQUEST_TIMEOUT_SECONDS
    max_rounds: int = 10_000
    duckdb_memory_limit: str = defaults.DUCKDB_MEMORY_LIMIT
    # After the incremental rounds, compare the last N days with the API: mark deletes, refetch changes.
    reconcile_days: int | None = None
    # Wait for another sync of the same warehouse to finish instead of stopping at once.
    wait_for_lock: bool = False
    # Load Langfuse's blob-storage export (observations, scores) first; the API reads on from its end.
    from_export: str | None = None

    def location(self) -> WarehouseLocation:
        return locate_warehouse(self.destination, self.database, self.dataset_name, self.pipelines_dir)


@dataclass
class SyncReport:
    api: str
    project_ids: list[str]
    rows: Counter[str] = field(default_factory=Counter)
    loads: int = 0
    requests: int = 0
    retries: Counter[str] = field(default_factory=Counter)
    peak_in_flight: int = 0  # the most requests one project's client had in flight at once
    # Where a server's slowing answers cut the requests in flight (``server_load``): the lowest limit set.
    slowed_server_limit: int | None = None
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


def make_pipeline(location: WarehouseLocation, duckdb_memory_limit: str = defaults.DUCKDB_MEMORY_LIMIT) -> dlt.Pipeline:
    if location.destination == "duckdb":
        # DuckDB would take 80% of RAM for a merge; a cap (and one thread, whose buffers the cap
        # then covers) makes it spill instead, keeping a nightly load's memory flat however large the
        # backfill. Raise it (--duckdb-memory) if rows of many MB each ever exhaust it.
        destination: Any = duckdb_destination(location.database, {
            "memory_limit": duckdb_memory_limit, "preserve_insertion_order": False, "threads": 1})
    elif location.destination == "filesystem":
        destination = dlt.destinations.filesystem(location.database)
    else:
        destination = location.destination  # any dlt destination, configured the dlt way
    return dlt.pipeline(
        pipeline_name=defaults.PIPELINE_NAME,
        destination=destination,
        dataset_name=location.dataset,
        pipelines_dir=location.pipelines_dir,
        progress="log" if log.isEnabledFor(logging.DEBUG) else None,
    )


def _loader_format(options: SyncOptions) -> str | None:
    return "parquet" if options.destination == "filesystem" else None


def _pending(options: SyncOptions, failures: FailureLog) -> Callable[[dlt.Pipeline], bool]:
    """Whether a resource of this run has a range left to read: another load follows. Resources the
    run did not select, and those that failed this run, wait for a later run."""
    def pending(pipeline: dlt.Pipeline) -> bool:
        failed = {(f.resource, f.project_id) for f in failures.failures}
        return SyncState(pipeline.state).has_pending(options.resources, skip=failed)

    return pending


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
    with Connections(options.projects, max_rpm=options.max_rpm, retry=options.retry,
                     timeout=options.timeout) as pool:
        # Opened first: bad keys or an unreachable host stop the run before dlt touches the warehouse.
        return _run_connected(options, location, started, pool.open())


def _run_connected(options: SyncOptions, location: WarehouseLocation, started: datetime,
                   connections: list[Connection]) -> SyncReport:
    api = options.api if options.api != "auto" else _detect_api(connections[0])
    report = SyncReport(api=api, project_ids=[c.project_id for c in connections],
                        warehouse=location.describe())
    pipeline = make_pipeline(location, options.duckdb_memory_limit)
    clear_half_committed_packages(pipeline.working_dir)
    deduplicate_interrupted_loads(pipeline.working_dir)
    pipeline, report.state_repair = repair_local_state(pipeline)
    run_end = floor_ms(started - options.settle_delay)
    failures = FailureLog()
    is_pending = _pending(options, failures)
    if options.from_export:
        with _surfacing_our_errors(location.describe()):
            report.export_rows, report.loads = load_export(
                pipeline, options.from_export, connections, api, resources=options.resources,
                privacy=options.privacy, chunk_rows=options.chunk_rows,
                loader_file_format=_loader_format(options), is_pending=is_pending)
    for round_number in range(options.max_rounds):
        source = langfuse_source(
            connections=connections, api=api, resources=options.resources, run_end=run_end, since=options.since,
            until=options.until, lookback=options.lookback, chunk_rows=options.chunk_rows,
            concurrency=options.concurrency, privacy=options.privacy,
            full_refresh=options.full_refresh if round_number == 0 else (),
            failures=failures,
        )
        with _surfacing_our_errors(location.describe()):
            pipeline.run(source, loader_file_format=_loader_format(options))
        report.loads += 1
        release_freed_memory()  # the next round starts lean: its load adds DuckDB's memory again
        trace = pipeline.last_trace
        if trace and trace.last_normalize_info:
            for table, count in trace.last_normalize_info.row_counts.items():
                if not table.startswith("_dlt"):
                    report.rows[table] += count
        if not is_pending(pipeline):
            break
    report.failures = [_with_hint(f, api) for f in failures.failures]
    if options.reconcile_days:
        # A resource that could not be read this run is not compared either.
        read = [name for name in options.resources or table_names(api)
                if name not in {f.resource for f in report.failures}]
        with _surfacing_our_errors(location.describe()):
            report.reconcile = reconcile(pipeline, connections, api, options.reconcile_days,
                                         privacy=options.privacy, resources=read, now=started)
    for connection in connections:
        report.requests += connection.client.stats.requests
        report.retries.update(connection.client.stats.retries)
        report.peak_in_flight = max(report.peak_in_flight, connection.client.stats.peak_in_flight)
        load = connection.client.server_load
        if load.cuts:
            report.slowed_server_limit = min(load.limit, report.slowed_server_limit or load.limit)
    return report


def _detect_api(connection: Connection) -> str:
    try:
        return detect_api(connection.client)
    except LangfuseSyncError as error:
        # Without this, a failing probe reads like a failing observations sync.
        raise restated(error, f"detecting the API version of {connection.project.host} (--api auto): {error}. "
                              "Pass --api v4 or --api legacy to skip detection.") from None


LEGACY_HINT = "If this is a self-hosted Langfuse v3 server, use --api legacy."


def _with_hint(failure: ResourceFailure, api: str) -> ResourceFailure:
    """Only a missing /v2/observations says the server is not v4; any other 404 is one endpoint."""
    if api == "v4" and failure.resource == "observations" and isinstance(failure.error, EndpointNotAvailableError):
        return replace(failure, error=EndpointNotAvailableError(f"{failure.error}. {LEGACY_HINT}"))
    return failure


class _LoadJobFailuresReportedOnce(logging.Filter):
    """dlt logs a traceback for every load job the warehouse failed or retried (each table, each retry);
    when the load gives up, `_surfacing_our_errors` makes that one error line. Shown with -v."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        job_failure = (message.startswith(("Transient exception in job ", "Job for "))
                       or "was not fully loaded" in message)
        return not job_failure or log.isEnabledFor(logging.INFO)


logging.getLogger("dlt").addFilter(_LoadJobFailuresReportedOnce())


@contextmanager
def _surfacing_our_errors(warehouse: str) -> Iterator[None]:
    """dlt wraps errors raised inside resources (and its steps' own); surface ours, naming the step.

    A warehouse that fails under dlt (server stopped, connection cut) is one line naming it and the
    innermost cause, not dlt's traceback: the load package stays pending and the next run loads it
    (merge: no doubles)."""
    try:
        yield
    except Exception as error:
        chain: list[BaseException] = []
        cause: BaseException | None = error
        while cause is not None and cause not in chain:
            chain.append(cause)
            if isinstance(cause, LangfuseSyncError):
                step = getattr(error, "step", None)
                raise restated(cause, f"{cause}" + (f" (during {step})" if step else "")) from None
            cause = cause.__cause__ or cause.__context__
        if any(isinstance(link, DestinationException) for link in chain):
            reason = next((line.strip() for line in str(chain[-1]).splitlines() if line.strip()),
                          type(chain[-1]).__name__)
            step = getattr(error, "step", "load")
            raise LangfuseSyncError(f"the warehouse {warehouse} failed during {step}: {reason}. What earlier "
                                    "loads committed stays; the next run loads the rest") from None
        raise


__all__ = ["SyncOptions", "SyncReport", "run_sync", "make_pipeline", "ConfigurationError"]
