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
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from sources.langfuse import dlt_compat, settings
from sources.langfuse.concurrency import Concurrency
from sources.langfuse.connections import (
    Connection,
    Connections,
    LangfuseProject,
    check_transport,
    configured_projects,
    connect,
)
from sources.langfuse.engine import ResourceReader
from sources.langfuse.errors import (
    ConfigurationError,
    EndpointNotAvailableError,
    LangfuseSyncError,
    RetriesExhaustedError,
)
from sources.langfuse.failures import FailureLog, is_isolated
from sources.langfuse.http import LangfuseClient
from sources.langfuse.privacy import Privacy
from sources.langfuse.specs import ResourceSpec, specs_for, table_names
from sources.langfuse.state import project_state
from sources.langfuse.windows import RunBounds, floor_ms

__all__ = ["LangfuseProject", "Connection", "Connections", "langfuse_source", "connect", "detect_api",
           "table_names", "check_resource_names"]

log = logging.getLogger("langfuse_warehouse.source")
dlt_compat.quiet_expected_hint_notice()


def check_resource_names(names: Iterable[str], api: str) -> None:
    """One error naming every unknown resource; ``api`` "auto" accepts the names of either generation."""
    known = table_names(api) if api != "auto" else sorted(set(table_names("v4")) | set(table_names("legacy")))
    unknown = sorted(set(names) - set(known))
    if unknown:
        generation = "" if api == "auto" else f" for the {api} API"
        raise ConfigurationError(f"unknown resource(s): {', '.join(unknown)}{generation}; "
                                 f"choose from {', '.join(known)}")


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


def _resource(spec: ResourceSpec, connections: Iterable[Connection], make_reader, privacy: Privacy,
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

    # The reader drops repeated primary keys (``page_tables.PageTables``), so dlt can skip its
    # own dedup of the staging table, the costliest step of a large merge.
    return table_resource(spec, read, privacy, deduplicated=True)


def table_resource(spec: ResourceSpec, read: Any, privacy: Privacy, *, deduplicated: bool) -> DltResource:
    """The dlt resource of one table: its keys, column hints and merge, whoever reads it (sync or refetch).

    ``deduplicated`` promises dlt that ``read`` never yields one key twice in a load (see dlt_compat).
    """
    return dlt.resource(
        read,
        name=spec.name,
        primary_key=["project_id", *spec.primary_key],
        write_disposition=dlt_compat.merge_on_keys(deduplicated=deduplicated),
        columns=column_hints(spec, privacy),
    )


# section: dlt would name the config and state section after this module (``source``); it was
# sources/langfuse/__init__.py, so `[sources.langfuse]` secrets and existing warehouses' state stay put.
@dlt.source(name="langfuse", section="langfuse", max_table_nesting=0)
def langfuse_source(
    host: str = settings.DEFAULT_HOST,
    public_key: str | None = dlt.config.value,
    secret_key: str | None = dlt.secrets.value,
    projects: list[dict[str, str]] | None = dlt.secrets.value,
    api: str = "v4",
    resources: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    lookback: timedelta = settings.DEFAULT_LOOKBACK,
    settle_delay: timedelta = settings.DEFAULT_SETTLE_DELAY,
    chunk_rows: int = settings.DEFAULT_CHUNK_ROWS,
    concurrency: int | None = None,
    max_rpm: float | None = None,
    allow_insecure_http: bool = False,
    run_end: datetime | None = None,
    privacy: Privacy | None = None,
    full_refresh: Sequence[str] = (),
    failures: FailureLog | None = None,
    connections: Iterable[Connection] | None = None,
) -> Iterator[DltResource]:
    """Langfuse's analytic objects of the ``api`` generation ("v4": Cloud; "legacy": self-hosted v3).

    Credentials come the dlt way (``[sources.langfuse]`` in ``.dlt/secrets.toml``, or
    ``SOURCES__LANGFUSE__*`` variables): ``host`` (default Langfuse Cloud), ``public_key`` and
    ``secret_key``, or a ``projects`` list of such tables to load several projects into one dataset.
    Nothing is requested until a resource is read; select resources with ``.with_resources(...)``.

    ``run_end`` (default: now − ``settle_delay``) is the frozen upper bound of every window in
    this run; ``since``/``until`` ask for an explicit range (a backfill) instead of what is new.
    ``concurrency``: requests in flight per resource (None: automatic, ``concurrency.Concurrency``).
    A resource that cannot be read is recorded in ``failures`` and stops alone (``failures.py``).
    ``connections`` (already configured, e.g. by the CLI) replaces the credentials.
    """
    specs = specs_for(api)
    check_resource_names([*(resources or []), *full_refresh], api)
    if connections is None:
        configured = configured_projects(host, public_key, secret_key, projects, where="sources.langfuse")
        if not configured:
            raise ConfigurationError(
                "no Langfuse credentials: set public_key and secret_key (and host) under [sources.langfuse] "
                "in .dlt/secrets.toml or as SOURCES__LANGFUSE__* variables, or a [[sources.langfuse.projects]] list"
            )
        for project in configured:
            check_transport(project.host, allow_insecure_http)
        connections = Connections(configured, max_rpm=max_rpm)
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
