"""The Langfuse source: every analytic object the Langfuse public API can read, incrementally.

Loads observations, scores, experiments and experiment items, datasets and dataset items, comments,
prompts (every version), score configs, models, evaluators, evaluation rules and annotation queues
with their items from the v4 API (Langfuse Cloud); from a self-hosted v3 server it loads traces,
observations v1, sessions, scores v2, dataset runs and run items into the same tables.

Incremental: time-ranged resources read closed-open windows ``[watermark - lookback, run_end)``
with ``run_end`` frozen when the source is created, merged on their primary keys, so reruns and
overlaps never duplicate; a long backfill commits every ``chunk_rows`` rows and resumes there.
Everything else is read in full and merged. Every row carries ``project_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from sources.langfuse import settings
from sources.langfuse.concurrency import Concurrency
from sources.langfuse.engine import ResourceReader
from sources.langfuse.errors import (
    ConfigurationError,
    EndpointNotAvailableError,
    LangfuseSyncError,
    RetriesExhaustedError,
)
from sources.langfuse.failures import FailureLog, is_isolated
from sources.langfuse.http import LangfuseClient, RetryPolicy
from sources.langfuse.privacy import Privacy
from sources.langfuse.specs import ResourceSpec, specs_for, table_names
from sources.langfuse.state import project_state
from sources.langfuse.windows import RunBounds, floor_ms

__all__ = ["LangfuseProject", "langfuse_source", "connect", "detect_api", "table_names"]

log = logging.getLogger("langfuse_warehouse.source")


class _ExpectedHintDifference(logging.Filter):
    """JSON columns travel as Arrow strings under a json hint, by design: dlt's notice is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "several column hints were different" not in record.getMessage()


logging.getLogger("dlt").addFilter(_ExpectedHintDifference())


@dataclass(frozen=True)
class LangfuseProject:
    """A key pair of one Langfuse project. ``repr`` hides the secret."""

    host: str
    public_key: str
    secret_key: str

    def __repr__(self) -> str:
        return f"LangfuseProject(host={self.host!r}, public_key={self.public_key!r}, secret_key='***')"


@dataclass
class Connection:
    project: LangfuseProject
    project_id: str
    client: LangfuseClient


def connect(project: LangfuseProject, *, max_rpm: float | None = None, retry: RetryPolicy | None = None,
            timeout: float = settings.REQUEST_TIMEOUT_SECONDS) -> Connection:
    """Open a client and ask the server which project the key belongs to (fails fast on bad keys)."""
    client = LangfuseClient(project.host, project.public_key, project.secret_key,
                            max_rpm=max_rpm, retry=retry, timeout=timeout)
    try:
        body = client.get("/projects")
    except Exception:
        client.close()
        raise
    data = body.get("data") or []
    if not data:
        client.close()
        raise ConfigurationError(f"{project.host}: the key pair {project.public_key} belongs to no project")
    return Connection(project, data[0]["id"], client)


def detect_api(client: LangfuseClient) -> str:
    """v4 when the server answers /v2/observations, else the legacy (self-hosted v3) surface."""
    probe_from = datetime.now(UTC) - timedelta(minutes=1)
    try:
        client.get("/v2/observations", {"limit": 1, "fields": "core",
                                        "fromStartTime": probe_from.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
        return "v4"
    except EndpointNotAvailableError:
        return "legacy"
    except RetriesExhaustedError as error:
        # A v3 server answers 404 for the route it lacks; one that keeps failing on it (5xx, timeouts)
        # has it. Saying v4 lets that one resource fail alone while the others are read.
        log.warning("assuming the v4 API: %s", error)
        return "v4"


def column_hints(spec: ResourceSpec, privacy: Privacy) -> dict[str, dict[str, Any]]:
    excluded = privacy.excluded_columns()
    hints = {name: {"data_type": data_type, "nullable": True}
             for name, data_type in spec.columns.items() if name not in excluded}
    for key in ("project_id", *spec.primary_key):
        hints[key] = {"data_type": hints.get(key, {}).get("data_type", "text"), "nullable": False}
    return hints


def _resource(spec: ResourceSpec, connections: Sequence[Connection], make_reader, privacy: Privacy,
              reset: bool, failures: FailureLog) -> DltResource:
    def read() -> Iterator[pa.Table]:
        resource_state = dlt.current.resource_state()
        for connection in connections:
            if failures.has(spec.name, connection.project_id):
                continue  # failed in an earlier round of this run: reported once, tried again next run
            state = project_state(resource_state, connection.project_id)
            before = state.snapshot()
            if reset:  # --full-refresh: forget the watermark; cleared in the same load that rereads
                state.forget()
            reader: ResourceReader = make_reader(connection, spec)
            try:
                yield from reader.tables(state)
            except LangfuseSyncError as error:
                if not is_isolated(error):
                    raise
                # Only this resource of this project stops: its state goes back to where the last
                # committed run left it (the watermark does not move), the others read on and commit.
                state.restore(before)
                failure = failures.record(spec.name, connection.project_id, connection.project.host,
                                          reader.scope, error, spec.optional)
                # A missing optional endpoint is said once, in the run's summary.
                log.log(logging.INFO if failure.unavailable else logging.WARNING, "%s", error)
                continue
            state.record_run(reader.rows_read, datetime.now(UTC))

    return dlt.resource(
        read,
        name=spec.name,
        primary_key=["project_id", *spec.primary_key],
        # The reader drops repeated primary keys (``page_tables.PageTables``), so dlt can
        # skip its own dedup of the staging table, the costliest step of a large merge.
        write_disposition={"disposition": "merge", "strategy": "delete-insert", "deduplicated": True},
        columns=column_hints(spec, privacy),
    )


@dlt.source(name="langfuse", max_table_nesting=0)
def langfuse_source(
    connections: Sequence[Connection],
    api: str = "v4",
    resources: Sequence[str] | None = None,
    run_end: datetime | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    lookback: timedelta = settings.DEFAULT_LOOKBACK,
    settle_delay: timedelta = settings.DEFAULT_SETTLE_DELAY,
    chunk_rows: int = settings.DEFAULT_CHUNK_ROWS,
    concurrency: int | None = None,
    privacy: Privacy | None = None,
    full_refresh: Sequence[str] = (),
    failures: FailureLog | None = None,
) -> Iterator[DltResource]:
    """The resources of the ``api`` generation ("v4" or "legacy") for the connected projects.

    ``run_end`` (default: now − ``settle_delay``) is the frozen upper bound of every window in
    this run; ``since``/``until`` ask for an explicit range (a backfill) instead of what is new.
    ``concurrency``: requests in flight per resource (None: automatic, ``concurrency.Concurrency``).
    A resource that cannot be read is recorded in ``failures`` and stops alone (``failures.py``).
    """
    specs = specs_for(api)
    unknown = sorted(set(resources or []) - set(table_names(api)))
    if unknown:
        raise ConfigurationError(
            f"unknown resource(s) {', '.join(unknown)} for the {api} API; choose from {', '.join(table_names(api))}"
        )
    bounds = RunBounds(
        run_end=floor_ms(run_end or datetime.now(UTC) - settle_delay),
        lookback=lookback,
        since=since,
        until=until,
    )
    privacy = privacy or Privacy()
    failures = failures if failures is not None else FailureLog()

    def make_reader(connection: Connection, spec: ResourceSpec) -> ResourceReader:
        return ResourceReader(connection.client, connection.project_id, spec, specs, bounds, privacy, chunk_rows,
                              Concurrency(concurrency))

    for name in table_names(api):
        if resources is None or name in resources:
            yield _resource(specs[name], connections, make_reader, privacy, reset=name in full_refresh,
                            failures=failures)
